# کاتالوگ فارسی onsite. شناسه‌ای که اینجا نیست به متن انگلیسی برمی‌گردد.

## پیامک‌ها و ایمیل‌ها

sms-login-code = کد ورود شما به onsite: { $code }. این کد ۵ دقیقه اعتبار دارد. آن را به کسی ندهید.
sms-verify-code = کد تأیید شما در onsite: { $code }. این کد ۱۰ دقیقه اعتبار دارد.
mail-verify-subject = نشانی ایمیل خود را در onsite تأیید کنید
mail-verify-body =
    کد تأیید شما: { $code }

    یا این پیوند را باز کنید: { $link }

    این کد ۱۵ دقیقه اعتبار دارد.
mail-reset-subject = بازنشانی گذرواژهٔ onsite
mail-reset-body =
    برای گذاشتن گذرواژهٔ تازه این پیوند را باز کنید:
    { $link }

    این پیوند ۳۰ دقیقه اعتبار دارد. اگر شما درخواست نکرده‌اید، این ایمیل را نادیده بگیرید.
mail-password-changed-subject = گذرواژهٔ onsite شما تغییر کرد
mail-password-changed-body = گذرواژهٔ حساب شما تغییر کرد و از همهٔ دستگاه‌های دیگر خارج شدید. اگر این کار شما نبود، همین حالا گذرواژه را بازنشانی کنید.
mail-two-step-on-subject = ورود دومرحله‌ای روشن شد
mail-two-step-off-subject = ورود دومرحله‌ای خاموش شد
mail-two-step-on-body = از این پس ورود به حساب شما به کد برنامهٔ احراز هویت نیاز دارد.
mail-two-step-off-body = ورود دومرحله‌ای حساب شما خاموش شد. اگر این کار شما نبود، همین حالا گذرواژه را تغییر دهید.
mail-account-locked-subject = حساب onsite شما قفل شد
mail-account-locked-body = پس از چند تلاش نادرست برای ورود، حساب onsite شما { $minutes } دقیقه قفل است. اگر این کار شما نبود، پس از پایان قفل گذرواژه را بازنشانی کنید یا با کد پیامکی وارد شوید.
mail-admin-code-subject = کد ورود مدیر onsite
mail-admin-code-body =
    کد ورود مدیر onsite شما: { $code }

    این کد ۱۰ دقیقه اعتبار دارد و یک بار به کار می‌رود.
    اگر شما نمی‌خواستید وارد شوید، همین حالا گذرواژه را تغییر دهید.
mail-invitation-provider-subject = دعوت به onsite به‌عنوان متخصص
mail-invitation-provider-body =
    یکی از مدیران onsite برای این نشانی حساب متخصص ساخته است.

    برای کامل کردن آن گذرواژهٔ خود را برگزینید:
    { $link }

    کد دعوت: { $token }

    این دعوت ۷ روز اعتبار دارد و یک بار به کار می‌رود. اگر انتظارش را نداشتید، این ایمیل را نادیده بگیرید.
mail-invitation-admin-subject = دعوت به onsite به‌عنوان مدیر
mail-invitation-admin-body =
    یکی از مدیران onsite برای این نشانی حساب مدیر ساخته است.

    برای کامل کردن آن گذرواژهٔ خود را برگزینید:
    { $link }

    کد دعوت: { $token }

    این دعوت ۷ روز اعتبار دارد و یک بار به کار می‌رود. اگر انتظارش را نداشتید، این ایمیل را نادیده بگیرید.

## اعلان‌های رزرو ($provider، $customer، $service، $reference، $when، $money)

notice-asap = هر چه زودتر
notice-booking_requested-title = درخواست تازه: { $service }
notice-booking_requested-body = { $customer } { $service } ({ $reference }) را برای { $when } می‌خواهد.
notice-booking_accepted-title = { $provider } رزرو شما را پذیرفت
notice-booking_accepted-body = { $service } ({ $reference }) برای { $when } قطعی شد.
notice-booking_declined-title = درخواست شما رد شد
notice-booking_declined-body = { $provider } درخواست { $service } ({ $reference }) را رد کرد. { $money } به‌طور کامل به شما بازگردانده می‌شود.
notice-booking_cancelled-title = رزرو { $reference } لغو شد
notice-booking_cancelled-body = { $service } برای { $when } لغو شد.
notice-provider_en_route-title = { $provider } در راه است
notice-provider_en_route-body = مسیر او را زنده در برنامه دنبال کنید ({ $reference }).
notice-provider_arrived-title = { $provider } رسید
notice-provider_arrived-body = { $provider } برای { $service } دم در است.
notice-job_started-title = { $service } آغاز شد
notice-job_started-body = { $provider } کار را آغاز کرد ({ $reference }).
notice-job_completed-title = { $service } انجام شد
notice-job_completed-body = رسید { $reference }: { $money } پرداخت شد.
notice-booking_reminder-title = یادآوری: { $service }
notice-booking_reminder-body = { $service } ({ $reference }) در { $when } آغاز می‌شود.
notice-booking_expired-title = رزرو { $reference } منقضی شد
notice-booking_expired-body = { $service } ({ $reference }) به‌موقع پرداخت یا پاسخ داده نشد. هر پولی که پرداخت شده بود بازگردانده می‌شود.
notice-booking_rescheduled-title = رزرو { $reference } جابه‌جا شد
notice-booking_rescheduled-body = { $customer } { $service } را به { $when } برد.
notice-booking_forced-title = پشتیبانی رزرو { $reference } را تغییر داد
notice-booking_forced-body = پشتیبانی وضعیت { $service } ({ $reference }) را تغییر داد.
notice-refund_issued-title = بازپرداخت { $money }
notice-refund_issued-body = { $money } برای { $reference } در راه بازگشت به کارت شماست.
notice-payment_failed-title = پرداخت شما انجام نشد
notice-payment_failed-body = کارت پذیرفته نشد ({ $code })؛ { $reference } همچنان در انتظار پرداخت است.
notice-balance_paid-title = ماندهٔ رزرو { $reference } پرداخت شد
notice-balance_paid-body = { $customer } ماندهٔ بهای { $service } ({ $reference }) را پرداخت؛ اکنون { $money } برای این کار نگه داشته شده است.
notice-balance-due = ماندهٔ { $money } باید پیش از پایان کار پرداخت شود.

## اعلان‌های حساب ($status، $reason، $note، $reference، $text، $money)

notice-provider_verified-title = حساب متخصص شما تأیید شد
notice-provider_verified-body = اکنون مشتریان می‌توانند شما را بیابند و رزرو کنند.
notice-provider_withdrawn-title = تأیید حساب متخصص شما برداشته شد
notice-provider_withdrawn-body = تا بررسی دوباره، مشتریان شما را نمی‌بینند. { $reason }
notice-service_approved-title = خدمت شما تأیید شد
notice-service_approved-body = اکنون مشتریان آن را می‌بینند و می‌توانند رزرو کنند.
notice-service_rejected-title = خدمت شما پذیرفته نشد
notice-service_rejected-body = آن را ویرایش کنید و دوباره بفرستید. { $note }
notice-document_reviewed-title = مدرک شما بررسی شد
notice-document_reviewed-body = { $status ->
        [verified] مدرک شما تأیید شد.
       *[other] مدرک شما پذیرفته نشد. { $reason }
    }
notice-payout_paid-title = تسویهٔ { $money } فرستاده شد
notice-payout_paid-body = { $money } به حساب شما فرستاده شد.
notice-payout_failed-title = تسویهٔ { $money } انجام نشد
notice-payout_failed-body = فرستادن { $money } به حساب شما انجام نشد؛ پول به کیف پول شما بازگشت. حساب دریافت را بررسی کنید و دوباره درخواست دهید.
notice-complaint_message-title = پیام تازه از پشتیبانی دربارهٔ شکایت شما
notice-complaint_message-body = برای خواندن پاسخ، شکایت را در برنامه باز کنید.
notice-complaint_closed-title = شکایت شما بسته شد
notice-complaint_closed-body = { $status ->
        [resolved] به شکایت شما رسیدگی شد.
       *[other] شکایت شما پذیرفته نشد.
    }
notice-admin_message-title = پیام تازه از پشتیبانی
notice-admin_message-body = { $text }
notice-chat_message-title = پیام تازه دربارهٔ رزرو { $reference }
notice-chat_message-body = { $text }

## خطاها، بر پایهٔ کد ($field برای خطای اعتبارسنجی)

error-validation_failed = مقدار «{ $field }» درست نیست.
error-malformed_json = بدنهٔ درخواست JSON درستی نیست.
error-malformed_body = بدنهٔ درخواست خوانا نیست.
error-not_found = پیدا نشد.
error-rate_limited = درخواست‌ها بیش از اندازه است؛ کمی بعد دوباره بکوشید.
error-account_locked = حساب پس از چند تلاش نادرست قفل شده است؛ بعداً دوباره بکوشید یا با کد پیامکی وارد شوید.
error-account_blocked = این حساب مسدود شده است.
error-account_inactive = این حساب نمی‌تواند وارد شود.
error-invalid_credentials = شناسه یا گذرواژه نادرست است.
error-invalid_code = کد نادرست است.
error-too_many_attempts = تلاش‌های نادرست بیش از اندازه بود؛ کد تازه‌ای بخواهید.
error-challenge_not_found = کدی برای این شماره در انتظار نیست؛ کد تازه‌ای بخواهید.
error-challenge_expired = این کد منقضی شده است؛ کد تازه‌ای بخواهید.
error-challenge_used = این کد پیش‌تر به کار رفته یا باطل شده است؛ کد تازه‌ای بخواهید.
error-challenge_stale = شماره یا نشانی حساب پس از فرستادن این کد تغییر کرده است.
error-phone_taken = حساب دیگری این شماره را دارد.
error-email_taken = حساب دیگری این نشانی ایمیل را دارد.
error-email_set = این حساب نشانی ایمیل دارد و اینجا نمی‌توان آن را تغییر داد.
error-username_taken = حساب دیگری این نام کاربری را دارد.
error-no_phone = نخست شماره تلفن را به حساب بیفزایید.
error-no_email = نخست نشانی ایمیل را به حساب بیفزایید.
error-already_verified = پیش‌تر تأیید شده است.
error-missing_token = برای این کار باید وارد شوید.
error-session_revoked = این نشست پایان یافته است؛ دوباره وارد شوید.
error-oidc_rejected = ورود با این حساب پذیرفته نشد.
error-oidc_unavailable = سرویس ورود در دسترس نیست؛ کمی بعد دوباره بکوشید.
error-geocoder_unavailable = جست‌وجوی نشانی در دسترس نیست؛ کمی بعد دوباره بکوشید یا جای نشانی را روی نقشه بگذارید.
error-address_book_full = دفترچهٔ نشانی پر است؛ نخست یکی را پاک کنید.
error-address_not_located = جای این نشانی هنوز روی نقشه پیدا نشده است.
error-outside_service_area = این نشانی بیرون از محدودهٔ خدمت این متخصص است.
error-provider_offline = متخصص اکنون در دسترس نیست؛ زمانی را رزرو کنید.
error-customers_only = تنها مشتریان می‌توانند رزرو کنند.
error-wrong_password = گذرواژه نادرست است.
error-totp_enabled = ورود دومرحله‌ای پیش‌تر روشن است.
error-no_enrolment = نخست ورود دومرحله‌ای را آغاز کنید.
error-booking_not_payable = این رزرو اکنون چیزی برای پرداخت ندارد.
error-balance_due = مشتری هنوز ماندهٔ بها را نپرداخته است؛ کار پس از آن پایان می‌یابد.
error-balance_paid = ماندهٔ این رزرو پیش‌تر پرداخت شده است.
error-account_exists = حسابی با این مشخصات پیش‌تر ساخته شده است.
error-admin_only = تنها مدیران می‌توانند این کار را انجام دهند.
error-already_approved = پیش‌تر تأیید شده است.
error-already_handled = به این مورد پیش‌تر رسیدگی شده است.
error-already_replied = پیش‌تر به این پاسخ داده‌اید.
error-already_reviewed = پیش‌تر برای این رزرو نظر داده‌اید.
error-already_submitted = پیش‌تر فرستاده شده است.
error-approval_transition = این تغییر وضعیت تأیید ممکن نیست.
error-availability_in_use = این بازهٔ زمانی رزرو دارد و نمی‌توان آن را برداشت.
error-booking_not_completed = این رزرو هنوز انجام نشده است.
error-booking_not_started = کار این رزرو هنوز آغاز نشده است.
error-busy = سرور سرگرم است؛ کمی بعد دوباره بکوشید.
error-card_declined = کارت پذیرفته نشد؛ کارت دیگری را بیازمایید.
error-category_in_use = این دسته هنوز خدمت دارد و نمی‌توان آن را پاک کرد.
error-chat_inactive = گفت‌وگوی این رزرو فعال نیست.
error-chat_token_required = برای گفت‌وگو توکن گفت‌وگوی این رزرو لازم است.
error-complaint_closed = این شکایت بسته شده است.
error-complaint_open = شکایتی باز دربارهٔ این رزرو هست.
error-concurrent_update = رزرو هم‌زمان تغییر کرد؛ دوباره بکوشید.
error-customer_only = تنها مشتریان می‌توانند این کار را انجام دهند.
error-direct_chat_not_allowed = گفت‌وگوی مستقیم در اینجا ممکن نیست.
error-document_required = نخست مدرک لازم را بارگذاری کنید.
error-forbidden = اجازهٔ این کار را ندارید.
error-gallery_full = گالری پر است؛ نخست تصویری را پاک کنید.
error-hold_expired = زمان نگه‌داشتن این نوبت گذشته است؛ دوباره نوبت بگیرید.
error-idempotency_key_required = سرآیند Idempotency-Key را بفرستید (۱ تا ۲۵۵ نویسه).
error-idempotency_key_reused = این Idempotency-Key پیش‌تر با پارامترهای دیگری به کار رفته است.
error-insufficient_funds = موجودی کافی نیست.
error-invalid_chat_token = توکن گفت‌وگو نادرست است.
error-invalid_force = رزرو را نمی‌توان به این وضعیت برد.
error-invalid_frame = این پیام از پیام‌های این پروتکل نیست.
error-invalid_path = نشانی درخواست درست نیست.
error-invalid_query = پارامترهای نشانی درست نیست.
error-invalid_signature = امضای درخواست درست نیست.
error-invalid_token = توکن نادرست یا منقضی است.
error-invalid_transition = این کار در وضعیت کنونی رزرو ممکن نیست.
error-method_not_allowed = این روش درخواست برای این نشانی پذیرفته نیست.
error-mislabelled_file = نوع پرونده با محتوای آن نمی‌خواند.
error-no_held_escrow = پولی برای این رزرو در امانت نیست.
error-no_payout_account = نخست حساب دریافت پول را بیفزایید.
error-no_wallet = کیف پولی برای این حساب نیست.
error-not_a_participant = شما از طرفین این رزرو نیستید.
error-not_a_websocket = این نشانی تنها اتصال WebSocket می‌پذیرد.
error-not_allowed = نقش شما اجازهٔ این کار را ندارد.
error-not_completed = هنوز انجام نشده است.
error-not_invoiced = این کار هنوز صورت‌حساب ندارد.
error-not_live = این رزرو اکنون موقعیت نمی‌پذیرد.
error-not_opened = هنوز باز نشده است.
error-not_owner = این مورد از آنِ شما نیست.
error-not_scheduled = این رزرو زمان‌بندی ندارد.
error-not_the_provider = شما متخصص این رزرو نیستید.
error-parties_only = تنها طرفین رزرو می‌توانند این کار را انجام دهند.
error-payload_too_large = بدنهٔ درخواست بیش از اندازه بزرگ است.
error-payment_in_progress = این پرداخت در حال انجام است.
error-payment_not_found = این پرداخت برای این رزرو پیدا نشد.
error-payment_not_processing = این پرداخت در حال انجام نیست.
error-payout_approved = این تسویه پیش‌تر تأیید شده است.
error-payout_pending = تسویه‌ای در انتظار هست.
error-payout_settled = این تسویه پیش‌تر انجام شده است.
error-profile_incomplete = نخست نمایهٔ خود را کامل کنید.
error-provider_not_verified = حساب متخصص هنوز تأیید نشده است.
error-provider_only = تنها متخصصان می‌توانند این کار را انجام دهند.
error-replay_too_long = تاریخچهٔ درخواست‌شده بیش از اندازه بلند است؛ آن را از HTTP بخوانید.
error-reschedule_too_late = برای جابه‌جایی این رزرو دیر است.
error-review_window_closed = زمان نظر دادن دربارهٔ این رزرو گذشته است.
error-role_not_allowed = این نقش اجازهٔ این کار را ندارد.
error-slot_unavailable = این نوبت دیگر آزاد نیست.
error-slug_taken = این نشانی پیش‌تر گرفته شده است.
error-suspended = این حساب معلق است.
error-too_many_holds = نوبت‌های نگه‌داشته‌شده بیش از اندازه است.
error-totp_off = ورود دومرحله‌ای روشن نیست.
error-unauthorized = نخست وارد شوید.
error-unavailable = سرویس اکنون در دسترس نیست؛ کمی بعد دوباره بکوشید.
error-undecodable_file = این پرونده خوانا نیست.
error-undecodable_image = این تصویر خوانا نیست.
error-unsupported_media_type = نوع محتوای درخواست پذیرفته نیست.
error-internal = خطای داخلی رخ داد؛ هنگام گزارش، سرآیند x-request-id را بفرستید.
