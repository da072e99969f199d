//! The provider's brand as its clients see it: a name, an accent colour that text stays readable
//! on, and a logo that decoded as the picture its bytes claim.

use super::Invalid;
use crate::images;

/// The backgrounds the accent meets in the portal: white (buttons' text, cards), the page and the
/// notice boxes. Links in the accent sit on each; white text sits on the accent.
const BACKGROUNDS: [[u8; 3]; 3] = [[0xff, 0xff, 0xff], [0xf7, 0xf8, 0xfa], [0xee, 0xf3, 0xff]];
/// WCAG 2.2's level AA for body text.
pub const MIN_CONTRAST: f64 = 4.5;

/// `#rrggbb`, lower case, at least [`MIN_CONTRAST`]:1 against every background it meets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccentColour(String);

impl AccentColour {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let hex = raw.trim().trim_start_matches('#').to_ascii_lowercase();
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Invalid("Give the accent colour as six hexadecimal digits, like #1f4fd1"));
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
        let rgb = [channel(0), channel(2), channel(4)];
        if BACKGROUNDS.iter().any(|bg| contrast(rgb, *bg) < MIN_CONTRAST) {
            return Err(Invalid(
                "That accent colour is too light: white text on it, and links in it, would be hard to read. \
                 Choose a darker colour (it needs a contrast of at least 4.5:1 with white).",
            ));
        }
        Ok(Self(format!("#{hex}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The contrast ratio of two colours, as WCAG defines it (1 to 21).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn luminance(rgb: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// The name clients see in place of the provider's own (empty: the provider's name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrandName(Option<String>);

impl BrandName {
    pub const MAX: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim();
        if name.chars().count() > Self::MAX || name.chars().any(char::is_control) {
            return Err(Invalid("The portal name must be at most 100 characters"));
        }
        Ok(Self((!name.is_empty()).then(|| name.to_string())))
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// An uploaded logo: a PNG or JPEG by its bytes, at most [`Logo::MAX_BYTES`], that decoded;
/// kept as the PNG Portico made from it, so what is served is never the uploaded file itself.
pub struct Logo(Vec<u8>);

impl Logo {
    pub const MAX_BYTES: usize = 1024 * 1024;

    /// Decodes the picture: run it off the async threads (`spawn_blocking`).
    pub fn parse(bytes: &[u8]) -> Result<Self, Invalid> {
        if bytes.len() > Self::MAX_BYTES {
            return Err(Invalid("The logo must be at most 1 MB"));
        }
        let content_type = images::sniff(bytes).ok_or(Invalid("The logo must be a PNG or JPEG image"))?;
        images::logo(bytes, content_type)
            .map(Self)
            .map_err(|_| Invalid("The logo could not be read as a PNG or JPEG image"))
    }

    pub fn png(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accent_must_keep_text_readable() {
        assert_eq!(AccentColour::parse(" #1F4FD1 ").unwrap().as_str(), "#1f4fd1");
        assert_eq!(AccentColour::parse("0b6e4f").unwrap().as_str(), "#0b6e4f");
        assert!(AccentColour::parse("#ffdd00").is_err(), "yellow on white is unreadable");
        assert!(AccentColour::parse("#777777").is_err(), "mid grey is 4.48:1 on white");
        assert!(AccentColour::parse("#12345").is_err());
        assert!(AccentColour::parse("red").is_err());
        assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn a_brand_name_may_be_left_empty() {
        assert_eq!(BrandName::parse("  ").unwrap().as_deref(), None);
        assert_eq!(BrandName::parse(" Northwind ").unwrap().as_deref(), Some("Northwind"));
        assert!(BrandName::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn a_logo_must_be_a_picture() {
        assert!(Logo::parse(b"<svg onload=alert(1)>").is_err());
        assert!(Logo::parse(&vec![0x89; Logo::MAX_BYTES + 1]).is_err());
        let png = Logo::parse(&images::demo_photo(3)).unwrap();
        assert!(png.png().starts_with(b"\x89PNG"));
    }
}
