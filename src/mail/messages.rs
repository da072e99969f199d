//! The emails Portico sends. Each has a subject that names the provider, a plain-text part and
//! an HTML part, rendered from `templates/mail/`, and wears the provider's brand ([`MailBrand`]).

use askama::Template;

use super::MailBrand;
use crate::db::outbox::NewEmail;
use crate::domain::{InvitationId, ProviderId, UserId};

pub struct Invitation<'a> {
    pub provider_name: &'a str,
    pub organisation: &'a str,
    pub inviter: &'a str,
    pub role: &'a str,
    pub link: &'a str,
    pub expires: &'a str,
    pub is_staff: bool,
    /// A reminder of a pending invitation, carrying its new link.
    pub reminder: bool,
}

#[derive(Template)]
#[template(path = "mail/invitation.txt")]
struct InvitationText<'a> {
    m: &'a Invitation<'a>,
    brand: &'a MailBrand,
}

#[derive(Template)]
#[template(path = "mail/invitation.html")]
struct InvitationHtml<'a> {
    m: &'a Invitation<'a>,
    brand: &'a MailBrand,
}

impl Invitation<'_> {
    pub fn email(
        &self,
        brand: &MailBrand,
        to: &str,
        provider: ProviderId,
        invitation: InvitationId,
    ) -> askama::Result<NewEmail> {
        let subject = if self.is_staff {
            format!("{} invited you to join {} on Portico", self.inviter, self.provider_name)
        } else {
            format!("{} invited you to the {} client portal", brand.name, self.organisation)
        };
        let subject = if self.reminder { format!("Reminder: {subject}") } else { subject };
        Ok(NewEmail {
            provider_id: Some(provider),
            invitation_id: Some(invitation),
            user_id: None,
            kind: if self.reminder { "invitation_reminder" } else { "invitation" },
            to: to.to_string(),
            subject,
            text: InvitationText { m: self, brand }.render()?,
            html: InvitationHtml { m: self, brand }.render()?,
        })
    }
}

pub struct PasswordReset<'a> {
    pub provider_name: &'a str,
    pub link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/password_reset.txt")]
struct PasswordResetText<'a> {
    m: &'a PasswordReset<'a>,
    brand: &'a MailBrand,
}

#[derive(Template)]
#[template(path = "mail/password_reset.html")]
struct PasswordResetHtml<'a> {
    m: &'a PasswordReset<'a>,
    brand: &'a MailBrand,
}

impl PasswordReset<'_> {
    pub fn email(
        &self,
        brand: &MailBrand,
        to: &str,
        provider: Option<ProviderId>,
        user: UserId,
    ) -> askama::Result<NewEmail> {
        Ok(NewEmail {
            provider_id: provider,
            invitation_id: None,
            user_id: Some(user),
            kind: "password_reset",
            to: to.to_string(),
            subject: format!("Reset your {} password", self.provider_name),
            text: PasswordResetText { m: self, brand }.render()?,
            html: PasswordResetHtml { m: self, brand }.render()?,
        })
    }
}

/// Tells an inviter that their invitation was accepted or declined.
pub struct InvitationDecided<'a> {
    pub provider_name: &'a str,
    pub organisation: &'a str,
    pub invitee: &'a str,
    pub accepted: bool,
    pub link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/decided.txt")]
struct DecidedText<'a> {
    m: &'a InvitationDecided<'a>,
    brand: &'a MailBrand,
}

#[derive(Template)]
#[template(path = "mail/decided.html")]
struct DecidedHtml<'a> {
    m: &'a InvitationDecided<'a>,
    brand: &'a MailBrand,
}

impl InvitationDecided<'_> {
    pub fn email(
        &self,
        brand: &MailBrand,
        to: &str,
        provider: ProviderId,
        invitation: InvitationId,
    ) -> askama::Result<NewEmail> {
        let verb = if self.accepted { "accepted" } else { "declined" };
        Ok(NewEmail {
            provider_id: Some(provider),
            invitation_id: Some(invitation),
            user_id: None,
            kind: if self.accepted { "invitation_accepted" } else { "invitation_declined" },
            to: to.to_string(),
            subject: format!(
                "{}: {} {} your invitation to {}",
                self.provider_name, self.invitee, verb, self.organisation
            ),
            text: DecidedText { m: self, brand }.render()?,
            html: DecidedHtml { m: self, brand }.render()?,
        })
    }
}

/// A short notice in sentences with at most one link: an invitation that expired unused or could
/// not be delivered (to its sender), access about to end (to the person).
pub struct Notice {
    pub kind: &'static str,
    pub subject: String,
    pub lines: Vec<String>,
    /// The link's label and address.
    pub link: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    m: &'a Notice,
    brand: &'a MailBrand,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    m: &'a Notice,
    brand: &'a MailBrand,
}

impl Notice {
    pub fn email(
        &self,
        brand: &MailBrand,
        to: &str,
        provider: ProviderId,
        invitation: Option<InvitationId>,
    ) -> askama::Result<NewEmail> {
        Ok(NewEmail {
            provider_id: Some(provider),
            invitation_id: invitation,
            user_id: None,
            kind: self.kind,
            to: to.to_string(),
            subject: self.subject.clone(),
            text: NoticeText { m: self, brand }.render()?,
            html: NoticeHtml { m: self, brand }.render()?,
        })
    }
}
