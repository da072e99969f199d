//! Portico: a multi-tenant client portal. Staff of a service provider invite external client
//! users, decide what each can see, and manage them for their whole life.

pub mod assessment;
pub mod auth;
pub mod bulk;
pub mod cli;
pub mod client_access;
pub mod clients;
pub mod clock;
pub mod config;
pub mod content;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod history;
pub mod images;
pub mod invites;
pub mod lifecycle;
pub mod mail;
pub mod percent;
pub mod providers;
pub mod routes;
pub mod server;
pub mod staff;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
