//! Portico's integration tests: one binary, one module per capability. Every test gets a fresh
//! Postgres database (`#[sqlx::test]`), a real SMTP server, and drives the server over HTTP.

mod helpers;
mod smtp;

mod access_matrix;
mod account;
mod architecture;
mod audit;
mod bootstrap;
mod brand;
mod browser;
mod bulk;
mod client_invites;
mod client_menu;
mod hosts;
mod lifecycle;
mod mail;
mod portal_content;
mod reads;
mod removal;
mod safety;
mod schema;
mod second_factor;
mod staff_users;
mod tokens;
