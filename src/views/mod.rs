//! What every page shares: the page chrome (navigation, CSRF token, flash message) and dates
//! written in words.

pub mod content;
pub mod events;
mod fields;
pub mod pages;
pub mod timeline;
pub mod when;

pub use fields::FieldErrors;

use tower_sessions::Session;

use crate::auth::csrf::PageContext;
use crate::auth::session::take_flash;
use crate::auth::{ClientMember, CurrentUser, StaffMember};
use crate::db::providers::Brand;
use crate::domain::{ClientRole, Permission};
use crate::error::AppResult;

/// What the portal's pages show of the provider's brand: its name, its logo and its colour.
#[derive(Clone, Debug)]
pub struct BrandView {
    pub name: String,
    pub slug: String,
    pub logo_href: Option<String>,
    pub css_href: Option<String>,
}

impl BrandView {
    pub fn of(brand: &Brand) -> Self {
        Self {
            name: brand.name.clone(),
            slug: brand.slug.clone(),
            logo_href: brand.logo_path(),
            css_href: brand.accent_css_path(),
        }
    }
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

/// The parts of the layout that every page fills in.
pub struct Chrome {
    pub csrf: String,
    pub portal: bool,
    /// Name of the signed-in person, if any.
    pub who: Option<String>,
    /// The organisation being worked in.
    pub org: Option<String>,
    pub nav: Vec<NavLink>,
    pub flash: Option<String>,
    /// `DEV_MAILBOX=1`: the mailbox's address, for the banner saying all mail is readable there.
    pub dev_mailbox: Option<String>,
    /// The path of this page, for `aria-current` in the navigation and tabs.
    pub path: String,
    /// On the portal, the brand of the provider whose portal this is, where known.
    pub brand: Option<BrandView>,
}

impl Chrome {
    /// Whether a navigation link leads to this page or to a page under it (everything lies
    /// under Home, so Home only for itself).
    pub fn is_current(&self, href: &str) -> bool {
        self.is_tab(href, href != "/")
    }

    /// Whether a tab's link is this page exactly, or (`under`) this page lies below it.
    pub fn is_tab(&self, href: &str, under: bool) -> bool {
        self.path == href || (under && self.path.starts_with(&format!("{href}/")))
    }

    /// The chrome of a page anyone may open. Building it writes nothing.
    pub async fn anonymous(session: &Session, page: &PageContext) -> AppResult<Self> {
        Ok(Self {
            csrf: page.token(session).await?,
            portal: !page.site.is_staff(),
            who: None,
            org: None,
            nav: Vec::new(),
            flash: take_flash(session).await?,
            dev_mailbox: page.dev_mailbox.clone(),
            path: page.path.clone(),
            brand: None,
        })
    }

    pub async fn staff(member: &StaffMember) -> AppResult<Self> {
        let mut nav = vec![
            NavLink { href: "/", label: "Home" },
            NavLink { href: "/clients", label: "Clients" },
            NavLink { href: "/settings/users", label: "Settings" },
        ];
        if member.can(Permission::ReadAuditLog) {
            nav.push(NavLink { href: "/audit", label: "Audit log" });
        }
        Self::signed_in(&member.user, member.provider_name.clone(), nav, None).await
    }

    pub async fn portal(member: &ClientMember) -> AppResult<Self> {
        let mut nav = vec![
            NavLink { href: "/", label: "Home" },
            NavLink { href: "/jobs", label: "Completed jobs" },
            NavLink { href: "/captures", label: "Map captures" },
            NavLink { href: "/assessment", label: "Assessment" },
            NavLink { href: "/export", label: "Export Summary" },
        ];
        if member.role == ClientRole::ClientAdmin {
            nav.push(NavLink { href: "/users", label: "Users" });
        }
        Self::signed_in(&member.user, member.client_name.clone(), nav, Some(BrandView::of(&member.brand)))
            .await
    }

    /// The chrome of a signed-in page, working in `org`. Building it writes nothing.
    async fn signed_in(
        user: &CurrentUser,
        org: String,
        nav: Vec<NavLink>,
        brand: Option<BrandView>,
    ) -> AppResult<Self> {
        let (session, page) = (&user.session, &user.page);
        Ok(Self {
            csrf: page.token(session).await?,
            portal: !page.site.is_staff(),
            who: Some(user.name_or_email().to_string()),
            org: Some(org),
            nav,
            flash: take_flash(session).await?,
            dev_mailbox: page.dev_mailbox.clone(),
            path: page.path.clone(),
            brand,
        })
    }

    /// This page wears `brand` (an anonymous portal page that knows whose portal it is).
    pub fn branded(mut self, brand: Option<&Brand>) -> Self {
        if self.portal {
            self.brand = brand.map(BrandView::of);
        }
        self
    }
}

/// Page links for a paginated, searchable list.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    /// `None` for an open-ended list that only knows whether another page follows.
    pub total: Option<i64>,
    /// Set instead of `total` when the list was longer than this and not counted to the end.
    pub more_than: Option<i64>,
    pub search: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

impl Pager {
    pub fn new(path: &str, search: &str, page: i64, size: i64, total: i64) -> Self {
        let pages = ((total + size - 1) / size).max(1);
        let href = |p: i64| page_href(path, search, p);
        Self {
            page,
            pages,
            total: Some(total),
            more_than: None,
            search: search.to_string(),
            prev_href: (page > 1).then(|| href(page - 1)),
            next_href: (page < pages).then(|| href(page + 1)),
        }
    }

    /// Next and Previous by cursor (the first and last row shown: `None` where the list ends)
    /// rather than by page number, so a deep page costs what the first does; the page number
    /// stays in the link for display. `total` is `None` when the list was longer than
    /// `counted_up_to` and not counted to the end.
    #[allow(clippy::too_many_arguments)]
    pub fn keyset(
        path: &str,
        search: &str,
        page: i64,
        size: i64,
        total: Option<i64>,
        counted_up_to: i64,
        first: Option<String>,
        last: Option<String>,
    ) -> Self {
        let mut pager = Self::new(path, search, page, size, total.unwrap_or(0));
        let href =
            |p: i64, side: &str, cursor: &str| format!("{}&{side}={cursor}", page_href(path, search, p));
        pager.total = total;
        pager.more_than = total.is_none().then_some(counted_up_to);
        pager.prev_href = first.map(|c| href((page - 1).max(1), "before", &c));
        pager.next_href = last.map(|c| href(page + 1, "after", &c));
        pager
    }

    /// For long lists where counting every row costs more than it tells: fetch one row more
    /// than a page and offer Next when it came back.
    pub fn open_ended(path: &str, page: i64, has_more: bool) -> Self {
        let mut pager = Self::new(path, "", page, 1, page + i64::from(has_more));
        pager.total = None;
        pager
    }

    /// Whether there is more than one page to move between.
    pub fn has_pages(&self) -> bool {
        self.prev_href.is_some() || self.next_href.is_some()
    }
}

/// The first `n` of `rows`, read one more than are shown, and whether that one more came back.
pub fn one_more<T>(mut rows: Vec<T>, n: i64) -> (Vec<T>, bool) {
    let more = rows.len() as i64 > n;
    rows.truncate(usize::try_from(n).unwrap_or(0));
    (rows, more)
}

/// A list's link to page `p`, keeping its search and whatever the path already carries.
fn page_href(path: &str, search: &str, p: i64) -> String {
    let join = if path.contains('?') { '&' } else { '?' };
    if search.is_empty() {
        format!("{path}{join}page={p}")
    } else {
        format!("{path}{join}q={}&page={p}", crate::percent::encode(search))
    }
}

/// A page number from a query string: anything that is not a number counts as the first page,
/// rather than a bare 400.
pub fn lenient_page<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let raw = <String as serde::Deserialize>::deserialize(d)?;
    Ok(raw.trim().parse::<i64>().unwrap_or(1).clamp(1, 100_000))
}

/// An optional number from a query string; nonsense counts as absent.
pub fn lenient_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let raw = <String as serde::Deserialize>::deserialize(d)?;
    Ok(raw.trim().parse::<i64>().ok())
}

#[cfg(test)]
mod tests {
    use super::Pager;

    #[test]
    fn pager_links_keep_the_search_and_the_filter() {
        let p = Pager::new("/clients", "a b&c", 2, 10, 35);
        assert_eq!(p.pages, 4);
        assert_eq!(p.prev_href.as_deref(), Some("/clients?q=a%20b%26c&page=1"));
        assert_eq!(p.next_href.as_deref(), Some("/clients?q=a%20b%26c&page=3"));
        let f = Pager::new("/jobs?company=x", "", 1, 10, 11);
        assert_eq!(f.next_href.as_deref(), Some("/jobs?company=x&page=2"));
        assert_eq!(f.prev_href, None);
        assert_eq!(Pager::new("/jobs", "", 1, 10, 0).pages, 1);
        let open = Pager::open_ended("/jobs", 2, true);
        assert_eq!(open.next_href.as_deref(), Some("/jobs?page=3"));
        assert_eq!(open.prev_href.as_deref(), Some("/jobs?page=1"));
        assert!(Pager::open_ended("/jobs", 1, false).next_href.is_none());
    }
}
