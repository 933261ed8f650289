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
notice-balance_paid-title = ماندهٔ رزرو { $reference } پرداخت شد
notice-balance_paid-body = { $customer } ماندهٔ بهای { $service } ({ $reference }) را پرداخت؛ اکنون { $money } برای این کار نگه داشته شده است.
notice-balance-due = ماندهٔ { $money } باید پیش از پایان کار پرداخت شود.

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
error-internal = خطای داخلی رخ داد؛ هنگام گزارش، سرآیند x-request-id را بفرستید.
