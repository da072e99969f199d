-- The provider's brand, as its clients see it: the name shown in the portal and in emails, a
-- logo (a PNG that Portico re-encoded), and an accent colour whose contrast was checked. Every
-- change bumps brand_version, which the logo's and the colour's addresses carry, so browsers may
-- keep them for good.
ALTER TABLE providers
    ADD COLUMN brand_name text CHECK (length(brand_name) BETWEEN 1 AND 100),
    ADD COLUMN accent_colour text CHECK (accent_colour ~ '^#[0-9a-f]{6}$'),
    ADD COLUMN logo bytea CHECK (octet_length(logo) <= 1048576),
    ADD COLUMN brand_version integer NOT NULL DEFAULT 0;
