//! Pictures: uploaded photos and logos are decoded (so a file that only starts like a PNG is
//! refused), and what Portico serves from them is re-encoded by Portico: a JPEG thumbnail of each
//! photo for lists and map pop-ups, and the provider's logo as a PNG of a header's size. The
//! demo's photos are drawn here too. Decoding is bounded in pixels and memory, so a small file
//! that claims to be huge cannot exhaust the server; callers run these off the async threads.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits, Rgb, RgbImage};

/// The longer side of a thumbnail, in pixels (twice what lists show, for sharp screens).
pub const THUMBNAIL_SIDE: u32 = 320;
/// The largest logo kept: wide enough for a header at twice its shown size.
const LOGO_WIDTH: u32 = 480;
const LOGO_HEIGHT: u32 = 160;

/// What an upload's first bytes say it is: the only formats accepted.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// A picture that did not decode as the type its bytes claimed (or was too large to decode).
#[derive(Debug)]
pub struct Unreadable;

/// One picture is decoded at a time, so uploads arriving together cannot add up their memory.
static DECODING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn decode(bytes: &[u8], content_type: &str) -> Result<DynamicImage, Unreadable> {
    let _one_at_a_time = DECODING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let format = if content_type == "image/png" { ImageFormat::Png } else { ImageFormat::Jpeg };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(160 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|_| Unreadable)
}

/// A photo's thumbnail as a JPEG, transparent parts laid on white.
pub fn thumbnail(bytes: &[u8], content_type: &str) -> Result<Vec<u8>, Unreadable> {
    let photo = decode(bytes, content_type)?;
    let small = photo.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE);
    Ok(jpeg(&on_white(&small), 80))
}

/// A logo as the PNG Portico serves: at most 480 x 160 pixels, its proportions kept.
pub fn logo(bytes: &[u8], content_type: &str) -> Result<Vec<u8>, Unreadable> {
    let logo = decode(bytes, content_type)?;
    let logo = if logo.width() > LOGO_WIDTH || logo.height() > LOGO_HEIGHT {
        logo.resize(LOGO_WIDTH, LOGO_HEIGHT, FilterType::Lanczos3)
    } else {
        logo
    };
    let mut out = Vec::new();
    logo.to_rgba8().write_to(&mut Cursor::new(&mut out), ImageFormat::Png).map_err(|_| Unreadable)?;
    Ok(out)
}

fn on_white(image: &DynamicImage) -> RgbImage {
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        Rgb([over(r), over(g), over(b)])
    })
}

fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    // Encoding an in-memory RGB buffer into a Vec cannot fail.
    let _ = JpegEncoder::new_with_quality(&mut out, quality).encode_image(image);
    out
}

/// A picture for the demo's captures: a landscape with a sky, a sun and hills, its colours and
/// shapes varied by `seed`, so each capture's photo looks like something.
pub fn demo_photo(seed: u32) -> Vec<u8> {
    let (width, height) = (800u32, 533u32);
    let hue = |base: f32| (base + seed as f32 * 37.0) % 360.0;
    let sky_top = hsl(hue(200.0), 0.55, 0.45);
    let sky_low = hsl(hue(190.0), 0.45, 0.80);
    let hills = [hsl(hue(110.0), 0.35, 0.42), hsl(hue(95.0), 0.40, 0.30)];
    let sun = (160.0 + (seed % 5) as f32 * 110.0, 120.0 + (seed % 3) as f32 * 25.0);
    let picture = RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let t = fy / height as f32;
        let mut colour = mix(sky_top, sky_low, t);
        if (fx - sun.0).powi(2) + (fy - sun.1).powi(2) < 45.0f32.powi(2) {
            colour = [250.0, 215.0, 120.0];
        }
        for (i, hill) in hills.iter().enumerate() {
            let phase = seed as f32 + i as f32 * 2.1;
            let ridge = height as f32 * (0.58 + 0.12 * i as f32)
                + 40.0 * ((fx / 140.0) + phase).sin()
                + 18.0 * ((fx / 53.0) + phase * 1.7).sin();
            if fy > ridge {
                colour = mix(*hill, [20.0, 30.0, 20.0], ((fy - ridge) / height as f32).min(0.6));
            }
        }
        Rgb(colour.map(|c| c.clamp(0.0, 255.0) as u8))
    });
    jpeg(&picture, 85)
}

/// A logo for the demo's provider: a compass rose's north arrow in a ring, in `rgb`, on a
/// transparent ground, as the PNG that [`logo`] would keep.
pub fn demo_logo(rgb: [u8; 3]) -> Vec<u8> {
    let side = 96u32;
    let centre = side as f32 / 2.0;
    let picture = image::RgbaImage::from_fn(side, side, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - centre, y as f32 + 0.5 - centre);
        let r = (dx * dx + dy * dy).sqrt();
        let ring = (38.0..46.0).contains(&r);
        // The arrow: a triangle from the top of the ring down to the centre line.
        let arrow = dy < 8.0 && dy > -34.0 && dx.abs() < (dy + 34.0) * 0.35;
        let [red, green, blue] = rgb;
        if ring || arrow {
            image::Rgba([red, green, blue, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut out = Vec::new();
    let _ = picture.write_to(&mut Cursor::new(&mut out), ImageFormat::Png);
    out
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

fn hsl(h: f32, s: f32, l: f32) -> [f32; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [(r + m) * 255.0, (g + m) * 255.0, (b + m) * 255.0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        DynamicImage::new_rgba8(width, height)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_thumbnail_is_a_small_jpeg_with_the_photos_proportions() {
        let thumb = thumbnail(&png(1000, 500), "image/png").unwrap();
        let read = image::load_from_memory_with_format(&thumb, ImageFormat::Jpeg).unwrap();
        assert_eq!((read.width(), read.height()), (THUMBNAIL_SIDE, THUMBNAIL_SIDE / 2));
    }

    #[test]
    fn a_file_that_only_starts_like_a_png_is_refused() {
        let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
        fake.extend_from_slice(b"<script>alert(1)</script>");
        assert_eq!(sniff(&fake), Some("image/png"));
        assert!(thumbnail(&fake, "image/png").is_err());
        assert!(logo(&fake, "image/png").is_err());
    }

    #[test]
    fn a_large_logo_is_scaled_down_to_a_headers_size() {
        let logo = logo(&png(1200, 300), "image/png").unwrap();
        let read = image::load_from_memory_with_format(&logo, ImageFormat::Png).unwrap();
        assert_eq!((read.width(), read.height()), (LOGO_WIDTH, 120));
    }

    #[test]
    fn demo_photos_are_real_pictures_that_differ() {
        let (a, b) = (demo_photo(1), demo_photo(2));
        assert_ne!(a, b);
        let read = image::load_from_memory_with_format(&a, ImageFormat::Jpeg).unwrap();
        assert_eq!(read.width(), 800);
    }
}
