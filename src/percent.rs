//! Percent-encoding of a URL component: everything but the unreserved characters of RFC 3986.
//! For search terms in page links and the account label of an `otpauth://` address.

pub fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(super::encode("a+b&c@x.test ~_-"), "a%2Bb%26c%40x.test%20~_-");
    }
}
