# onsite's English catalogue. English is also the source text in the code:
# an id missing here (or in another language) falls back to it.

## Texts and mails

sms-login-code = Your onsite sign-in code is { $code }. It is valid for 5 minutes. Never share it.
sms-verify-code = Your onsite verification code is { $code }. It is valid for 10 minutes.

## Errors, by code ($field for validation errors)

error-validation_failed = { $field } is not valid: { $detail }
