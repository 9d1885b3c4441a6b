//! ZXing's hybrid binarizer, bit for bit as `rxing`'s `HybridBinarizer` computes it (8x8 blocks;
//! a block's black point is its mean, or for a flat block half its minimum corrected by its
//! neighbours; each block is thresholded at the mean black point of the 5x5 blocks around it),
//! but writing whole words into the bit matrix instead of one bit at a time: the binarisation
//! was a sixth of the scanner's time.

use rxing::common::{BitArray, BitMatrix};

use crate::LumaImage;

const BLOCK: usize = 8;
const MIN_DYNAMIC_RANGE: u32 = 24;

/// `None` when the image is too small for blocks (under 40 px a side): rxing's global
/// histogram binarizer handles those.
pub(super) fn hybrid(img: &LumaImage) -> Option<BitMatrix> {
    let (w, h) = (img.w(), img.h());
    if w < BLOCK * 5 || h < BLOCK * 5 {
        return None;
    }
    let px = &img.pixels;
    let (sw, sh) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
    let (max_x, max_y) = (w - BLOCK, h - BLOCK);
    let mut bp = vec![0u32; sw * sh];
    // Column sums, minima and maxima over a block row's eight rows (independent lanes, which
    // the compiler vectorises), then reduced per block.
    let (mut csum, mut cmin, mut cmax) = (vec![0u16; w], vec![0u8; w], vec![0u8; w]);
    for by in 0..sh {
        let yo = (by * BLOCK).min(max_y);
        csum.fill(0);
        cmin.fill(u8::MAX);
        cmax.fill(u8::MIN);
        for y in yo..yo + BLOCK {
            let src = &px[y * w..y * w + w];
            for (((s, lo), hi), &v) in csum.iter_mut().zip(&mut cmin).zip(&mut cmax).zip(src) {
                *s += v as u16;
                *lo = (*lo).min(v);
                *hi = (*hi).max(v);
            }
        }
        for bx in 0..sw {
            let xo = (bx * BLOCK).min(max_x);
            let r = xo..xo + BLOCK;
            let sum: u32 = csum[r.clone()].iter().map(|&v| v as u32).sum();
            let min = cmin[r.clone()].iter().copied().min().unwrap_or(0);
            let max = cmax[r].iter().copied().max().unwrap_or(0);
            let mut avg = sum >> 6;
            if (max - min) as u32 <= MIN_DYNAMIC_RANGE {
                avg = min as u32 / 2;
                if by > 0 && bx > 0 {
                    let nb = (bp[(by - 1) * sw + bx]
                        + 2 * bp[by * sw + bx - 1]
                        + bp[(by - 1) * sw + bx - 1])
                        / 4;
                    if (min as u32) < nb {
                        avg = nb;
                    }
                }
            }
            bp[by * sw + bx] = avg;
        }
    }
    // One threshold per block, from the 5x5 blocks around it (clamped at the borders).
    let mut thr = vec![0u8; sw * sh];
    for by in 0..sh {
        let top = by.clamp(2, sh - 3);
        for bx in 0..sw {
            let left = bx.clamp(2, sw - 3);
            let mut sum = 0;
            for row in bp[(top - 2) * sw..(top + 3) * sw].chunks_exact(sw) {
                sum += row[left - 2..left + 3].iter().sum::<u32>();
            }
            thr[by * sw + bx] = (sum / 25).min(255) as u8;
        }
    }
    // The last block of a row or column overlaps the one before it; as in ZXing a pixel there
    // is dark when either block's threshold says so, that is below the larger of the two.
    let row_thresholds = |by: usize| -> Vec<u8> {
        let mut t = vec![0u8; w];
        for bx in 0..sw {
            let xo = (bx * BLOCK).min(max_x);
            let v = thr[by * sw + bx];
            for o in &mut t[xo..xo + BLOCK] {
                *o = (*o).max(v);
            }
        }
        t
    };
    let last = row_thresholds(sh - 1);
    let mut m = BitMatrix::new(w as u32, h as u32).ok()?;
    let bits = usize::BITS as usize;
    let mut row = BitArray::with_size(w);
    let mut t = Vec::new();
    let mut t_for = usize::MAX;
    let mut dark = [0u8; 64];
    for y in 0..h {
        let by = y / BLOCK;
        if by < sh - 1 && t_for != by {
            t = row_thresholds(by);
            t_for = by;
        }
        let src = &px[y * w..y * w + w];
        for (i, (chunk, tc)) in src
            .chunks(bits)
            .zip(t_row(&t, &last, by, sh, y >= max_y, w).chunks(bits))
            .enumerate()
        {
            for ((d, &v), &th) in dark.iter_mut().zip(chunk).zip(tc) {
                *d = u8::from(v <= th);
            }
            dark[chunk.len()..].fill(0);
            row.setBulk(i * bits, pack(&dark));
        }
        m.setRow(y as u32, &row);
    }
    Some(m)
}

/// The thresholds of row `y`: those of its block row, raised to those of the last block row
/// where that overlaps.
fn t_row<'a>(
    t: &'a [u8],
    last: &'a [u8],
    by: usize,
    sh: usize,
    in_last: bool,
    w: usize,
) -> std::borrow::Cow<'a, [u8]> {
    match (by < sh - 1, in_last) {
        (true, false) => std::borrow::Cow::Borrowed(&t[..w]),
        (false, _) => std::borrow::Cow::Borrowed(&last[..w]),
        (true, true) => {
            std::borrow::Cow::Owned(t.iter().zip(last).map(|(a, b)| *a.max(b)).collect())
        }
    }
}

/// 64 bytes of 0 or 1 into one word, byte i into bit i.
fn pack(d: &[u8; 64]) -> usize {
    let mut word = 0u64;
    for (k, c) in d.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(c.try_into().unwrap());
        // Each byte's bit lands in the top byte, byte i at bit 56 + i.
        word |= (x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    word as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxing::{BinaryBitmap, Luma8LuminanceSource};

    fn rxing_hybrid(img: &LumaImage) -> BitMatrix {
        let src = Luma8LuminanceSource::new(img.pixels.clone(), img.width, img.height);
        let bitmap = BinaryBitmap::new(rxing::common::HybridBinarizer::new(src.unwrap()));
        bitmap.get_black_matrix().clone()
    }

    #[test]
    fn the_same_bits_as_rxing() {
        // Sizes that are and are not multiples of the block and word sizes, noise, flat areas,
        // gradients and a dark patch (the flat-block rules).
        let mut seed = 7u32;
        for &(w, h) in &[(40, 40), (64, 48), (67, 53), (130, 41), (200, 129)] {
            let mut px = Vec::with_capacity(w * h);
            for y in 0..h {
                for x in 0..w {
                    seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                    let noise = (seed >> 24) as i32 % 9;
                    let base = if (x / 13 + y / 11) % 3 == 0 {
                        30
                    } else if x > w / 2 && y > h / 2 {
                        (x * 255 / w) as i32
                    } else {
                        220
                    };
                    px.push((base + noise).clamp(0, 255) as u8);
                }
            }
            let img = LumaImage::new(w as u32, h as u32, px).unwrap();
            assert_eq!(hybrid(&img).unwrap(), rxing_hybrid(&img), "{w}x{h}");
        }
        let small = LumaImage::new(39, 80, vec![0; 39 * 80]).unwrap();
        assert!(hybrid(&small).is_none());
    }
}
