//! Reading and decoding images under [`Limits`], and conversion to one grey byte per pixel with
//! alpha composited onto white.

use std::io::{Cursor, Read};
use std::path::Path;

use image::{DynamicImage, ImageReader};

use crate::{Limits, ScanError};

/// An 8-bit grey image, row-major, `width * height` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LumaImage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl LumaImage {
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Result<LumaImage, ScanError> {
        if width == 0 || height == 0 {
            return Err(ScanError::NoPixels { width, height });
        }
        if (width as u64) * (height as u64) != pixels.len() as u64 {
            return Err(ScanError::Corrupt(format!(
                "{} bytes of pixels for a {width}x{height} image",
                pixels.len()
            )));
        }
        Ok(LumaImage {
            width,
            height,
            pixels,
        })
    }

    pub(crate) fn w(&self) -> usize {
        self.width as usize
    }

    pub(crate) fn h(&self) -> usize {
        self.height as usize
    }
}

pub(crate) fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, ScanError> {
    let err = |source| ScanError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let meta = file.metadata().map_err(err)?;
    if meta.is_dir() {
        return Err(err(std::io::Error::other("is a directory")));
    }
    if meta.len() > limits.max_input_bytes {
        return Err(ScanError::TooLarge(format!(
            "{} bytes (limit {})",
            meta.len(),
            limits.max_input_bytes
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limits.max_input_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > limits.max_input_bytes {
        return Err(ScanError::TooLarge(format!(
            "more than {} bytes",
            limits.max_input_bytes
        )));
    }
    Ok(bytes)
}

pub(crate) fn check_dimensions(width: u32, height: u32, limits: &Limits) -> Result<(), ScanError> {
    if width == 0 || height == 0 {
        return Err(ScanError::NoPixels { width, height });
    }
    if width > limits.max_width || height > limits.max_height {
        return Err(ScanError::TooLarge(format!(
            "{width}x{height} pixels (limit {}x{})",
            limits.max_width, limits.max_height
        )));
    }
    if (width as u64) * (height as u64) > limits.max_pixels {
        return Err(ScanError::TooLarge(format!(
            "{width}x{height} is {} pixels (limit {})",
            width as u64 * height as u64,
            limits.max_pixels
        )));
    }
    Ok(())
}

fn reader<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<ImageReader<Cursor<&'a [u8]>>, ScanError> {
    let mut r = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ScanError::Corrupt(e.to_string()))?;
    if r.format().is_none() {
        return Err(ScanError::UnknownFormat);
    }
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_width);
    l.max_image_height = Some(limits.max_height);
    l.max_alloc = Some(limits.max_alloc);
    r.limits(l);
    Ok(r)
}

/// Decodes an encoded image under `limits`: the declared size is checked before any pixel is
/// decoded, and the decoder's allocations are capped.
pub fn decode_image(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, ScanError> {
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    if bytes.len() as u64 > limits.max_input_bytes {
        return Err(ScanError::TooLarge(format!(
            "{} bytes (limit {})",
            bytes.len(),
            limits.max_input_bytes
        )));
    }
    let (w, h) = reader(bytes, limits)?
        .into_dimensions()
        .map_err(ScanError::from_image)?;
    check_dimensions(w, h, limits)?;
    let img = guard(|| {
        reader(bytes, limits)?
            .decode()
            .map_err(ScanError::from_image)
    })?;
    check_dimensions(img.width(), img.height(), limits)?;
    Ok(img)
}

/// Runs an image decoder, turning a panic inside it into an error.
fn guard<T>(f: impl FnOnce() -> Result<T, ScanError>) -> Result<T, ScanError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(ScanError::Corrupt("the image decoder failed".into())))
}

#[inline]
fn luma8(r: u32, g: u32, b: u32) -> u32 {
    // ITU-R BT.601 weights, as ZXing and Pillow use.
    (r * 306 + g * 601 + b * 117 + 512) >> 10
}

#[inline]
fn over_white(l: u32, a: u32) -> u8 {
    // Composite onto white: transparent pixels are background whatever their colour, which is
    // what makes "transparent black" PNGs readable.
    ((l * a + 255 * (255 - a) + 127) / 255) as u8
}

/// Converts to one grey byte per pixel, compositing any alpha onto white. Allocates exactly
/// `width * height` bytes (checked against `limits` first), never an RGBA copy.
pub fn luma_from_image(img: &DynamicImage, limits: &Limits) -> Result<LumaImage, ScanError> {
    let (w, h) = (img.width(), img.height());
    check_dimensions(w, h, limits)?;
    let n = w as usize * h as usize;
    let mut out = Vec::with_capacity(n);
    match img {
        DynamicImage::ImageLuma8(b) => out.extend_from_slice(b.as_raw()),
        DynamicImage::ImageLumaA8(b) => out.extend(
            b.as_raw()
                .chunks_exact(2)
                .map(|p| over_white(p[0] as u32, p[1] as u32)),
        ),
        // The two common cases write into a buffer of the final size with plain loops, which
        // the compiler vectorises (an `extend` over a mapped iterator it does not).
        DynamicImage::ImageRgb8(b) => {
            out.resize(n, 0);
            for (o, p) in out.iter_mut().zip(b.as_raw().chunks_exact(3)) {
                *o = luma8(p[0] as u32, p[1] as u32, p[2] as u32) as u8;
            }
        }
        DynamicImage::ImageRgba8(b) => {
            out.resize(n, 0);
            for (o, p) in out.iter_mut().zip(b.as_raw().chunks_exact(4)) {
                let l = luma8(p[0] as u32, p[1] as u32, p[2] as u32);
                // Opaque pixels (all of most screenshots) need no compositing.
                *o = if p[3] == 255 {
                    l as u8
                } else {
                    over_white(l, p[3] as u32)
                };
            }
        }
        DynamicImage::ImageLuma16(b) => out.extend(b.as_raw().iter().map(|&v| (v >> 8) as u8)),
        DynamicImage::ImageLumaA16(b) => out.extend(
            b.as_raw()
                .chunks_exact(2)
                .map(|p| over_white((p[0] >> 8) as u32, (p[1] >> 8) as u32)),
        ),
        DynamicImage::ImageRgb16(b) => out.extend(
            b.as_raw()
                .chunks_exact(3)
                .map(|p| luma8((p[0] >> 8) as u32, (p[1] >> 8) as u32, (p[2] >> 8) as u32) as u8),
        ),
        DynamicImage::ImageRgba16(b) => out.extend(b.as_raw().chunks_exact(4).map(|p| {
            over_white(
                luma8((p[0] >> 8) as u32, (p[1] >> 8) as u32, (p[2] >> 8) as u32),
                (p[3] >> 8) as u32,
            )
        })),
        other => {
            // f32 images and future variants: per-pixel conversion without a full copy.
            use image::GenericImageView;
            out.extend(other.pixels().map(|(_, _, p)| {
                over_white(
                    luma8(p.0[0] as u32, p.0[1] as u32, p.0[2] as u32),
                    p.0[3] as u32,
                )
            }));
        }
    }
    LumaImage::new(w, h, out)
}

/// Converts straight-alpha RGBA bytes to grey, compositing onto white.
pub(crate) fn luma_from_rgba(width: u32, height: u32, rgba: &[u8]) -> Result<LumaImage, ScanError> {
    let n = (width as u64) * (height as u64);
    if rgba.len() as u64 != n * 4 {
        return Err(ScanError::Corrupt(format!(
            "{} bytes of RGBA for a {width}x{height} image",
            rgba.len()
        )));
    }
    let mut out = vec![0u8; rgba.len() / 4];
    for (o, p) in out.iter_mut().zip(rgba.chunks_exact(4)) {
        *o = over_white(luma8(p[0] as u32, p[1] as u32, p[2] as u32), p[3] as u32);
    }
    LumaImage::new(width, height, out)
}
