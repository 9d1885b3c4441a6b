//! Where a code too small for the finder-pattern scan may be, on a page or a screen: compact
//! patches of dense, mid-grey texture with strong steps in both directions (modules of about
//! one pixel), which text (thin strokes on a light ground, in lines) and photos rarely make.
//! A cheap stand-in for WeChat's detector network: the late passes (the Lanczos upscale
//! first among them) then look at a crop around each patch.

use crate::LumaImage;

/// Block side in pixels.
const B: usize = 8;
/// A step between neighbours of at least this many grey levels counts as strong.
const STEP: i16 = 40;
/// At most this many patches are returned, the largest first.
const MAX_REGIONS: usize = 3;

/// Patches as (x0, y0, x1, y1) in pixels, the largest first.
pub(super) fn dense_patches(img: &LumaImage) -> Vec<(usize, usize, usize, usize)> {
    let (w, h) = (img.w(), img.h());
    if w < 4 * B + 1 || h < 4 * B + 1 {
        return Vec::new();
    }
    let (bw, bh) = ((w - 1) / B, (h - 1) / B);
    let px = &img.pixels;
    let mut dense = vec![false; bw * bh];
    for by in 0..bh {
        for bx in 0..bw {
            let (mut gx, mut gy, mut sum) = (0u32, 0u32, 0u32);
            for y in by * B..by * B + B {
                let row = &px[y * w + bx * B..y * w + bx * B + B + 1];
                let below = &px[(y + 1) * w + bx * B..(y + 1) * w + bx * B + B];
                for x in 0..B {
                    let v = row[x] as i16;
                    sum += row[x] as u32;
                    gx += u32::from((row[x + 1] as i16 - v).abs() >= STEP);
                    gy += u32::from((below[x] as i16 - v).abs() >= STEP);
                }
            }
            let n = (B * B) as u32;
            let mean = sum / n;
            // A quarter of the steps in each direction, and as much dark as light.
            dense[by * bw + bx] = gx * 4 >= n && gy * 4 >= n && (50..200).contains(&mean);
        }
    }
    let mut seen = vec![false; bw * bh];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..bw * bh {
        if !dense[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut x0, mut y0, mut x1, mut y1, mut count) = (bw, bh, 0, 0, 0usize);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % bw, i / bw);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            count += 1;
            let mut visit = |j: usize| {
                if dense[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < bw {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - bw);
            }
            if y + 1 < bh {
                visit(i + bw);
            }
        }
        let (cw, ch) = (x1 - x0 + 1, y1 - y0 + 1);
        // At least 4x4 blocks (a version 1 code at 1.5 px), about square, mostly filled.
        if cw >= 4 && ch >= 4 && cw * 2 <= ch * 3 && ch * 2 <= cw * 3 && count * 2 >= cw * ch {
            out.push((count, (x0 * B, y0 * B, (x1 + 1) * B, (y1 + 1) * B)));
        }
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.0));
    out.into_iter().take(MAX_REGIONS).map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_patch_of_one_pixel_modules_and_not_flat_or_text_like_areas() {
        let (w, h) = (200, 120);
        let mut px = vec![235u8; w * h];
        // Thin "text" strokes: a line of 1 px wide bars, 10 px high.
        for x in (10..190).step_by(4) {
            for y in 10..20 {
                px[y * w + x] = 20;
            }
        }
        // A 48x48 checkerboard-ish random patch of 1 px modules at (120, 50).
        let mut s = 12345u32;
        for y in 50..98 {
            for x in 120..168 {
                s = s.wrapping_mul(1103515245).wrapping_add(12345);
                px[y * w + x] = if (s >> 16) & 1 == 1 { 10 } else { 245 };
            }
        }
        let img = LumaImage::new(w as u32, h as u32, px).unwrap();
        let found = dense_patches(&img);
        assert_eq!(found.len(), 1, "{found:?}");
        let (x0, y0, x1, y1) = found[0];
        assert!(x0 <= 128 && y0 <= 56 && x1 >= 160 && y1 >= 88, "{found:?}");
    }
}
