//! Lanczos-3 upscaling by an integer factor: for codes with modules of about one pixel, whose
//! edges a bilinear upscale leaves too soft for the finder-pattern scan (the idea of WeChat's
//! super-resolution of a detected region, without its network).

use crate::LumaImage;

fn lanczos3(x: f32) -> f32 {
    let x = x.abs();
    if x < 1e-6 {
        1.0
    } else if x >= 3.0 {
        0.0
    } else {
        let px = std::f32::consts::PI * x;
        3.0 * px.sin() * (px / 3.0).sin() / (px * px)
    }
}

/// For each of the `k` output phases: the first source offset and six weights (normalised, in
/// 1/4096), for output pixel `i*k + phase` sampling source position `(i*k + phase + 0.5)/k - 0.5`.
fn taps(k: usize) -> Vec<(isize, [i32; 6])> {
    (0..k)
        .map(|phase| {
            let pos = (phase as f32 + 0.5) / k as f32 - 0.5;
            let first = pos.floor() as isize - 2;
            let mut w = [0f32; 6];
            for (j, wj) in w.iter_mut().enumerate() {
                *wj = lanczos3(pos - (first + j as isize) as f32);
            }
            let sum: f32 = w.iter().sum();
            let mut wi = [0i32; 6];
            for (a, b) in wi.iter_mut().zip(w.iter()) {
                *a = (b / sum * 4096.0).round() as i32;
            }
            (first, wi)
        })
        .collect()
}

/// Separable Lanczos-3 upscaling of `img` by `k` (edges clamped).
pub(crate) fn upscale_lanczos(img: &LumaImage, k: usize) -> LumaImage {
    let (w, h) = (img.w(), img.h());
    let (nw, nh) = (w * k, h * k);
    let t = taps(k);
    let clampy = |v: isize| v.clamp(0, h as isize - 1) as usize;
    // Horizontal pass into i16 (values may ring below 0 and above 255), over rows padded with
    // copies of their end pixels: no clamping in the loop.
    let mut tmp = vec![0i16; nw * h];
    let mut pad = vec![0u8; w + 8];
    for y in 0..h {
        let row = &img.pixels[y * w..y * w + w];
        pad[..4].fill(row[0]);
        pad[4..4 + w].copy_from_slice(row);
        pad[4 + w..].fill(row[w - 1]);
        let out = &mut tmp[y * nw..y * nw + nw];
        for x in 0..w {
            for (phase, (first, wts)) in t.iter().enumerate() {
                let base = (x as isize + first + 4) as usize;
                let src = &pad[base..base + 6];
                let s: i32 = src.iter().zip(wts).map(|(&v, &wj)| wj * v as i32).sum();
                out[x * k + phase] = ((s + 2048) >> 12) as i16;
            }
        }
    }
    let mut pixels = vec![0u8; nw * nh];
    for y in 0..h {
        for (phase, (first, wts)) in t.iter().enumerate() {
            let out = &mut pixels[(y * k + phase) * nw..(y * k + phase + 1) * nw];
            let rows: Vec<&[i16]> = (0..6)
                .map(|j| {
                    let r = clampy(y as isize + first + j as isize);
                    &tmp[r * nw..r * nw + nw]
                })
                .collect();
            for (x, o) in out.iter_mut().enumerate() {
                let mut s = 0i32;
                for (r, &wj) in rows.iter().zip(wts.iter()) {
                    s += wj * r[x] as i32;
                }
                *o = ((s + 2048) >> 12).clamp(0, 255) as u8;
            }
        }
    }
    LumaImage {
        width: nw as u32,
        height: nh as u32,
        pixels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_stays_flat_and_sizes_scale() {
        let img = LumaImage::new(5, 4, vec![77; 20]).unwrap();
        let up = upscale_lanczos(&img, 3);
        assert_eq!((up.width, up.height), (15, 12));
        assert!(up.pixels.iter().all(|&v| v == 77));
    }

    #[test]
    fn an_edge_stays_where_it_was() {
        // Left half black, right half white: the upscaled edge lies between x = 11 and 12.
        let px: Vec<u8> = (0..8 * 2)
            .map(|i| if i % 8 < 4 { 0 } else { 255 })
            .collect();
        let up = upscale_lanczos(&LumaImage::new(8, 2, px).unwrap(), 3);
        let row = &up.pixels[..24];
        assert!(row[..10].iter().all(|&v| v < 40), "{row:?}");
        assert!(row[14..].iter().all(|&v| v > 215), "{row:?}");
    }
}
