DROP TABLE login_audit;
DROP TABLE challenges;
DROP TABLE refresh_tokens;
DROP TABLE auth_sessions;
DROP TABLE users;
