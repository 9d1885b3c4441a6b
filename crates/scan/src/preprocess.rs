//! Grey-image transforms used by the pipeline. All take and return one byte per pixel.

use crate::LumaImage;

pub(crate) fn invert(img: &LumaImage) -> LumaImage {
    LumaImage {
        width: img.width,
        height: img.height,
        pixels: img.pixels.iter().map(|&v| 255 - v).collect(),
    }
}

fn histogram(px: &[u8]) -> [u64; 256] {
    let mut h = [0u64; 256];
    for &v in px {
        h[v as usize] += 1;
    }
    h
}

/// Linear stretch of the 1st..99th percentile range to 0..255. Returns `None` when the image
/// already spans most of the range (nothing to gain) or is flat.
pub(crate) fn stretch(img: &LumaImage) -> Option<LumaImage> {
    let h = histogram(&img.pixels);
    let n = img.pixels.len() as u64;
    let cut = n / 100;
    let (mut lo, mut acc) = (0usize, 0u64);
    while lo < 255 && acc + h[lo] <= cut {
        acc += h[lo];
        lo += 1;
    }
    let (mut hi, mut acc) = (255usize, 0u64);
    while hi > 0 && acc + h[hi] <= cut {
        acc += h[hi];
        hi -= 1;
    }
    if hi <= lo + 4 || hi - lo > 160 {
        return None;
    }
    let (lo, span) = (lo as i32, (hi - lo) as i32);
    let lut: Vec<u8> = (0..256)
        .map(|v| ((v - lo) * 255 / span).clamp(0, 255) as u8)
        .collect();
    Some(LumaImage {
        width: img.width,
        height: img.height,
        pixels: img.pixels.iter().map(|&v| lut[v as usize]).collect(),
    })
}

/// Otsu's threshold over the whole image.
pub(crate) fn otsu_level(px: &[u8]) -> u8 {
    let h = histogram(px);
    let total = px.len() as f64;
    let sum: f64 = h
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut sum_b, mut w_b, mut best, mut level) = (0f64, 0f64, -1f64, 127u8);
    for (t, &c) in h.iter().enumerate() {
        w_b += c as f64;
        if w_b == 0.0 {
            continue;
        }
        let w_f = total - w_b;
        if w_f == 0.0 {
            break;
        }
        sum_b += t as f64 * c as f64;
        let m_b = sum_b / w_b;
        let m_f = (sum - sum_b) / w_f;
        let between = w_b * w_f * (m_b - m_f) * (m_b - m_f);
        if between > best {
            best = between;
            level = t as u8;
        }
    }
    level
}

/// Global threshold: pixels at or below `level` become 0, the rest 255.
pub(crate) fn threshold(img: &LumaImage, level: u8) -> LumaImage {
    LumaImage {
        width: img.width,
        height: img.height,
        pixels: img
            .pixels
            .iter()
            .map(|&v| if v <= level { 0 } else { 255 })
            .collect(),
    }
}

/// 3x3 median (edges copied), against salt-and-pepper and strong Gaussian noise.
pub(crate) fn median3(img: &LumaImage) -> LumaImage {
    let (w, h) = (img.w(), img.h());
    let src = &img.pixels;
    let mut out = src.clone();
    if w >= 3 && h >= 3 {
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let mut v = [0u8; 9];
                let mut k = 0;
                for dy in 0..3 {
                    let row = (y + dy - 1) * w + x - 1;
                    v[k..k + 3].copy_from_slice(&src[row..row + 3]);
                    k += 3;
                }
                // Median of 9 with a small sorting network is not worth it here: sort_unstable
                // on 9 bytes is fast enough (this variant runs only on hard images).
                v.sort_unstable();
                out[y * w + x] = v[4];
            }
        }
    }
    LumaImage {
        width: img.width,
        height: img.height,
        pixels: out,
    }
}

/// Box blur with radius 1 (3x3 mean): removes Gaussian noise before binarisation.
pub(crate) fn box3(img: &LumaImage) -> LumaImage {
    let (w, h) = (img.w(), img.h());
    let src = &img.pixels;
    let mut tmp = vec![0u16; w * h];
    for y in 0..h {
        for x in 0..w {
            let a = src[y * w + x.saturating_sub(1)] as u16;
            let b = src[y * w + x] as u16;
            let c = src[y * w + (x + 1).min(w - 1)] as u16;
            tmp[y * w + x] = a + b + c;
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let up = y.saturating_sub(1) * w;
        let dn = (y + 1).min(h - 1) * w;
        for x in 0..w {
            out[y * w + x] = ((tmp[up + x] + tmp[y * w + x] + tmp[dn + x] + 4) / 9) as u8;
        }
    }
    LumaImage {
        width: img.width,
        height: img.height,
        pixels: out,
    }
}

/// Box blur of radius `r` (separable running sums, edges clamped), at 16x scale: O(1) per pixel
/// whatever the radius. The radii the pipeline uses are compiled apart, so that the divisions
/// by the window size are by constants (multiplications).
pub(crate) fn box_blur(img: &LumaImage, r: usize) -> Vec<u16> {
    match r {
        1 => box_blur_n::<1>(img),
        2 => box_blur_n::<2>(img),
        3 => box_blur_n::<3>(img),
        4 => box_blur_n::<4>(img),
        5 => box_blur_n::<5>(img),
        _ => box_blur_any(img, r),
    }
}

fn box_blur_n<const R: usize>(img: &LumaImage) -> Vec<u16> {
    let (w, h) = (img.w(), img.h());
    let n = (2 * R + 1) as u32;
    let mut tmp = vec![0u16; w * h];
    // Each row padded with copies of its end pixels: no clamping in the loop.
    let mut pad = vec![0u8; w + 2 * R + 1];
    for y in 0..h {
        let row = &img.pixels[y * w..y * w + w];
        pad[..R].fill(row[0]);
        pad[R..R + w].copy_from_slice(row);
        pad[R + w..].fill(row[w - 1]);
        let mut s: u32 = pad[..n as usize].iter().map(|&v| v as u32).sum();
        let out = &mut tmp[y * w..y * w + w];
        for (x, o) in out.iter_mut().enumerate() {
            *o = (s * 16 / n) as u16;
            s = s + pad[x + n as usize] as u32 - pad[x] as u32;
        }
    }
    vertical(&tmp, w, h, R, n)
}

fn box_blur_any(img: &LumaImage, r: usize) -> Vec<u16> {
    let (w, h) = (img.w(), img.h());
    let n = (2 * r + 1) as u32;
    let mut tmp = vec![0u16; w * h];
    for y in 0..h {
        let row = &img.pixels[y * w..y * w + w];
        let at = |i: isize| row[i.clamp(0, w as isize - 1) as usize] as u32;
        let mut s: u32 = (-(r as isize)..=r as isize).map(at).sum();
        for x in 0..w {
            tmp[y * w + x] = (s * 16 / n) as u16;
            s = s + at(x as isize + r as isize + 1) - at(x as isize - r as isize);
        }
    }
    vertical(&tmp, w, h, r, n)
}

#[inline(always)]
fn vertical(tmp: &[u16], w: usize, h: usize, r: usize, n: u32) -> Vec<u16> {
    let mut out = vec![0u16; w * h];
    let mut sums: Vec<u32> = (0..w)
        .map(|x| {
            (-(r as isize)..=r as isize)
                .map(|d| tmp[d.clamp(0, h as isize - 1) as usize * w + x] as u32)
                .sum()
        })
        .collect();
    for y in 0..h {
        let add = &tmp[(y + r + 1).min(h - 1) * w..][..w];
        let sub = &tmp[(y as isize - r as isize).max(0) as usize * w..][..w];
        let o = &mut out[y * w..y * w + w];
        for (((o, s), &a), &b) in o.iter_mut().zip(sums.iter_mut()).zip(add).zip(sub) {
            *o = (*s / n) as u16;
            *s = *s + a as u32 - b as u32;
        }
    }
    out // 16x scale
}

/// Unsharp mask: `img + amount * (img - blur_r(img))`, against defocus blur.
pub(crate) fn unsharp(img: &LumaImage, r: usize, amount: f32) -> LumaImage {
    let b = box_blur(img, r);
    // In 1/16 grey levels, with the amount in 1/16: integer arithmetic only.
    let k = (amount * 16.0).round() as i32;
    let pixels = img
        .pixels
        .iter()
        .zip(b.iter())
        .map(|(&v, &bl)| {
            let v16 = (v as i32) << 4;
            ((v16 * 16 + k * (v16 - bl as i32)) >> 8).clamp(0, 255) as u8
        })
        .collect();
    LumaImage {
        width: img.width,
        height: img.height,
        pixels,
    }
}

/// Bilinear upscaling by an integer factor. Small modules (1-2 px) become 2-6 px, which the
/// finder-pattern scanners need to see the 1:1:3:1:1 ratio.
pub(crate) fn upscale(img: &LumaImage, k: usize) -> LumaImage {
    let (w, h) = (img.w(), img.h());
    let (nw, nh) = (w * k, h * k);
    let src = &img.pixels;
    let mut out = vec![0u8; nw * nh];
    let kf = k as f32;
    // Precompute the horizontal sample positions.
    let xs: Vec<(usize, usize, f32)> = (0..nw)
        .map(|x| {
            let fx = ((x as f32 + 0.5) / kf - 0.5).max(0.0);
            let x0 = (fx as usize).min(w - 1);
            let x1 = (x0 + 1).min(w - 1);
            (x0, x1, fx - x0 as f32)
        })
        .collect();
    for y in 0..nh {
        let fy = ((y as f32 + 0.5) / kf - 0.5).max(0.0);
        let y0 = (fy as usize).min(h - 1);
        let y1 = (y0 + 1).min(h - 1);
        let ty = fy - y0 as f32;
        let (r0, r1) = (&src[y0 * w..y0 * w + w], &src[y1 * w..y1 * w + w]);
        let row = &mut out[y * nw..y * nw + nw];
        for (o, &(x0, x1, tx)) in row.iter_mut().zip(xs.iter()) {
            let a = r0[x0] as f32 + (r0[x1] as f32 - r0[x0] as f32) * tx;
            let b = r1[x0] as f32 + (r1[x1] as f32 - r1[x0] as f32) * tx;
            *o = (a + (b - a) * ty + 0.5) as u8;
        }
    }
    LumaImage {
        width: nw as u32,
        height: nh as u32,
        pixels: out,
    }
}

/// Area-average downscaling by an integer factor (for very large images with large modules).
pub(crate) fn downscale(img: &LumaImage, k: usize) -> LumaImage {
    let (w, h) = (img.w(), img.h());
    let (nw, nh) = ((w / k).max(1), (h / k).max(1));
    let mut out = vec![0u8; nw * nh];
    let n = (k * k) as u32;
    for y in 0..nh {
        for x in 0..nw {
            let mut s = 0u32;
            for dy in 0..k {
                let row = ((y * k + dy).min(h - 1)) * w;
                for dx in 0..k {
                    s += img.pixels[row + (x * k + dx).min(w - 1)] as u32;
                }
            }
            out[y * nw + x] = ((s + n / 2) / n) as u8;
        }
    }
    LumaImage {
        width: nw as u32,
        height: nh as u32,
        pixels: out,
    }
}

/// Local mean threshold over a square window of side `2r+1` (integral image): a pixel is dark
/// when it is below the local mean minus `c`. Robust to gradients and uneven light.
pub(crate) fn adaptive(img: &LumaImage, r: usize, c: i32) -> LumaImage {
    let (w, h) = (img.w(), img.h());
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += img.pixels[y * w + x] as u64;
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let mut out = vec![255u8; w * h];
    for y in 0..h {
        let y0 = y.saturating_sub(r);
        let y1 = (y + r + 1).min(h);
        for x in 0..w {
            let x0 = x.saturating_sub(r);
            let x1 = (x + r + 1).min(w);
            let s = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let n = ((y1 - y0) * (x1 - x0)) as u64;
            let mean = (s / n) as i32;
            if (img.pixels[y * w + x] as i32) < mean - c {
                out[y * w + x] = 0;
            }
        }
    }
    LumaImage {
        width: img.width,
        height: img.height,
        pixels: out,
    }
}

/// Iterated unsharp mask (`passes` times `unsharp(r, amount)`): each pass boosts what the last
/// one restored, which approaches an inverse of a Gaussian blur of a few pixels far better than
/// one strong pass (that mostly amplifies the edges of the blur itself).
pub(crate) fn deblur(img: &LumaImage, r: usize, amount: f32, passes: usize) -> LumaImage {
    let mut out = unsharp(img, r, amount);
    for _ in 1..passes {
        out = unsharp(&out, r, amount);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_blur_matches_the_direct_sum() {
        let px: Vec<u8> = (0..37 * 23).map(|i| ((i * 7919) % 251) as u8).collect();
        let img = LumaImage::new(37, 23, px).unwrap();
        for r in [1usize, 2, 3, 4, 5, 30] {
            let fast = box_blur(&img, r);
            let (w, h, n) = (37isize, 23isize, (2 * r + 1) as u32);
            let at = |x: isize, y: isize| {
                img.pixels[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize] as u32
            };
            for y in 0..h {
                for x in 0..w {
                    let rows: Vec<u32> = (-(r as isize)..=r as isize)
                        .map(|dy| {
                            let s: u32 = (-(r as isize)..=r as isize)
                                .map(|dx| at(x + dx, y + dy))
                                .sum();
                            s * 16 / n
                        })
                        .collect();
                    let want = rows.iter().sum::<u32>() / n;
                    assert_eq!(fast[(y * w + x) as usize] as u32, want, "r={r} at {x},{y}");
                }
            }
        }
    }

    #[test]
    fn otsu_splits_two_levels() {
        let mut px = vec![40u8; 500];
        px.extend(vec![200u8; 500]);
        let l = otsu_level(&px);
        assert!((40..200).contains(&l));
    }

    #[test]
    fn upscale_and_downscale_keep_size_relations() {
        let img = LumaImage::new(3, 2, vec![0, 255, 0, 255, 0, 255]).unwrap();
        let up = upscale(&img, 3);
        assert_eq!((up.width, up.height), (9, 6));
        let down = downscale(&up, 3);
        assert_eq!((down.width, down.height), (3, 2));
    }

    #[test]
    fn stretch_widens_low_contrast() {
        let px: Vec<u8> = (0..1000)
            .map(|i| if i % 2 == 0 { 120 } else { 150 })
            .collect();
        let img = LumaImage::new(100, 10, px).unwrap();
        let s = stretch(&img).unwrap();
        assert!(s.pixels.contains(&0) && s.pixels.contains(&255));
    }
}
