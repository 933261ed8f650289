//! The text of every message we send. Plain ASCII so the `.eml` files stay
//! readable (7bit) in the outbox.

use super::Mail;
use crate::domain::ProviderApproval;

pub fn admin_login_code(to: &str, code: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Your onsite admin sign-in code".into(),
        body: format!(
            "Your onsite admin sign-in code is: {code}\n\n\
             It is valid for 10 minutes and can be used once.\n\
             If you did not try to sign in, change your password now.\n"
        ),
    }
}

pub fn verify_email(to: &str, code: &str, link: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Confirm your email address".into(),
        body: format!(
            "Welcome to onsite.\n\n\
             Your verification code is: {code}\n\n\
             Or open this link to confirm your address:\n{link}\n\n\
             The code and the link are valid for 15 minutes.\n"
        ),
    }
}

pub fn password_reset(to: &str, token: &str, link: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Reset your onsite password".into(),
        body: format!(
            "Someone asked to reset the password of this onsite account.\n\n\
             Reset token: {token}\n\n\
             Or open this link:\n{link}\n\n\
             It is valid for 30 minutes and can be used once.\n\
             If it was not you, ignore this message; your password is unchanged.\n"
        ),
    }
}

pub fn password_changed(to: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Your onsite password was changed".into(),
        body: "The password of your onsite account was just changed and your other \
               sessions were signed out.\nIf this was not you, reset your password now.\n"
            .into(),
    }
}

pub fn two_step_changed(to: &str, enabled: bool) -> Mail {
    let (subject, body) = if enabled {
        (
            "Two-step sign-in is on for your onsite account",
            "Signing in now also asks for a code from your authenticator app. Keep your \
             recovery codes somewhere safe: each one signs you in once if the phone is lost.\n",
        )
    } else {
        (
            "Two-step sign-in was turned off for your onsite account",
            "Signing in no longer asks for an authenticator code.\nIf this was not you, \
             change your password now and turn two-step sign-in on again.\n",
        )
    };
    Mail {
        to: to.to_owned(),
        subject: subject.into(),
        body: body.into(),
    }
}

pub fn account_locked(to: &str, minutes: u64) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Your onsite account was locked".into(),
        body: format!(
            "After several failed sign-in attempts your onsite account is locked for \
             {minutes} minutes.\nIf this was not you, reset your password once the lock ends.\n"
        ),
    }
}

pub fn phone_login_code(code: &str) -> String {
    format!("Your onsite sign-in code is {code}. It is valid for 5 minutes. Never share it.")
}

pub fn phone_code(code: &str) -> String {
    format!("Your onsite verification code is {code}. It is valid for 10 minutes.")
}

pub fn invitation(to: &str, role: &str, token: &str, link: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: format!("You are invited to onsite as {role}"),
        body: format!(
            "An onsite admin created a {role} account for this address.\n\n\
             Choose your password to complete it:\n{link}\n\n\
             Invitation token: {token}\n\n\
             The invitation is valid for 7 days and can be used once.\n\
             If you did not expect it, ignore this message.\n"
        ),
    }
}

pub fn provider_approval(to: &str, approval: ProviderApproval, reason: Option<&str>) -> Mail {
    let reason = reason
        .map(|r| format!("\nNote from the admin: {r}\n"))
        .unwrap_or_default();
    let (subject, body) = match approval {
        ProviderApproval::Approved => (
            "Your onsite provider account is approved",
            "An admin approved your provider account. Once your profile is complete \
             you can publish services and receive bookings.",
        ),
        ProviderApproval::Rejected => (
            "Your onsite provider account was not approved",
            "An admin declined your provider account for now. Change what the note \
             asks for and submit it again.",
        ),
        ProviderApproval::Suspended => (
            "Your onsite provider account is suspended",
            "An admin suspended your provider account. Customers cannot book you \
             until it is approved again.",
        ),
        ProviderApproval::Draft | ProviderApproval::PendingReview => (
            "Your onsite provider account is waiting for review",
            "Your provider account is with the admins for review.",
        ),
    };
    Mail {
        to: to.to_owned(),
        subject: subject.into(),
        body: format!("{body}\n{reason}"),
    }
}

/// `mail` in `lang` when its catalogue has `mail-{id}-subject` and `-body`
/// (English, the source text, otherwise).
pub fn localized(lang: crate::i18n::Lang, id: &str, args: &[(&str, &str)], mail: Mail) -> Mail {
    if lang == crate::i18n::Lang::En {
        return mail;
    }
    match (
        crate::i18n::lookup(lang, &format!("mail-{id}-subject"), args),
        crate::i18n::lookup(lang, &format!("mail-{id}-body"), args),
    ) {
        (Some(subject), Some(body)) => Mail {
            to: mail.to,
            subject,
            body: format!("{body}\n"),
        },
        _ => mail,
    }
}
