//! The `onsite` binary itself: configuration errors, `migrate`, `admin create`.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::helpers::spawn_app;

fn onsite(data_dir: &std::path::Path, database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onsite"));
    cmd.env_clear()
        .env("ONSITE_DATA_DIR", data_dir)
        .env("ONSITE_DATABASE_URL", database_url)
        .env("ONSITE_LOG", "warn");
    cmd
}

#[actix_web::test]
async fn a_bad_setting_stops_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = onsite(dir.path(), "sqlite://x.db")
        .env("ONSITE_PROXIMITY_DWELL_S", "five minutes")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ONSITE_PROXIMITY_DWELL_S"), "{err}");
    let out = onsite(dir.path(), "sqlite://x.db")
        .env("ONSITE_ENV", "production")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ONSITE_JWT_SECRET"));
}

#[actix_web::test]
async fn admin_create_makes_an_admin_who_signs_in_with_a_mailed_code() {
    let app = spawn_app().await;
    let url = app.state.config.db.url.clone();
    let out = onsite(&app.data_dir, &url).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut child = onsite(&app.data_dir, &url)
        .args(["admin", "create", "--email", "Ops@Example.com"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Opsword123\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ops@example.com"));

    let res = app.login("ops@example.com", "Opsword123").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["otp_required"], true);

    // A weak password or a taken email is refused.
    let mut child = onsite(&app.data_dir, &url)
        .args(["admin", "create", "--email", "ops@example.com"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Opsword123\n")
        .unwrap();
    assert!(!child.wait_with_output().unwrap().status.success());
    let mut child = onsite(&app.data_dir, &url)
        .args(["admin", "create", "--email", "new@example.com"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"weak\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
}

#[cfg(unix)]
#[actix_web::test]
async fn the_development_secret_is_generated_once_and_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let path = app.data_dir.join("jwt_secret");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let secret = std::fs::read_to_string(&path).unwrap();
    assert!(secret.trim().len() >= 64);
}
