//! The decoder passes the pipeline runs on each variant: rxing's port of zxing-cpp's QR
//! detector (with the finder-pattern triples it saw) and rqrr.

use super::*;

pub(super) fn adaptive(img: &LumaImage) -> LumaImage {
    let r = (img.w().min(img.h()) / 40).clamp(7, 40);
    pp::adaptive(img, r, 6)
}

pub(super) fn scale_pt(x: f32, y: f32, s: f32) -> (f32, f32) {
    (x * s, y * s)
}

pub(super) fn pattern_pt(p: &ConcentricPattern, s: f32) -> (f32, f32) {
    scale_pt(p.p.x, p.p.y, s)
}

/// The zxing-cpp QR reader (as ported by rxing) over the hybrid binarizer, keeping the list of
/// finder-pattern triples that did not decode.
pub(super) fn rxing_pass(img: &LumaImage, scale: f32) -> (Vec<Found>, Sets) {
    rxing_pass_keep(img, scale, &mut None)
}

/// As [`rxing_pass`], keeping the binarised image in `keep` for a later inverted pass.
pub(super) fn rxing_pass_keep(
    img: &LumaImage,
    scale: f32,
    keep: &mut Option<BitMatrix>,
) -> (Vec<Found>, Sets) {
    catch_unwind(AssertUnwindSafe(|| {
        let bin = binarize(img)?;
        let res = detect(&bin, scale);
        *keep = Some(bin);
        Some(res)
    }))
    .ok()
    .flatten()
    .unwrap_or_default()
}

/// The inverted image's pass: the binarised image of `img` (kept by its own pass) flipped, as
/// zxing-cpp's `tryInvert` does, instead of binarising an inverted copy again.
pub(super) fn rxing_flipped(
    img: &LumaImage,
    scale: f32,
    kept: &Option<BitMatrix>,
) -> (Vec<Found>, Sets) {
    catch_unwind(AssertUnwindSafe(|| {
        let mut bin = match kept {
            Some(b) => b.clone(),
            None => binarize(img)?,
        };
        bin.flip_self();
        Some(detect(&bin, scale))
    }))
    .ok()
    .flatten()
    .unwrap_or_default()
}

/// ZXing's hybrid binarizer (8x8 blocks, thresholds over 5x5 block neighbourhoods).
pub(super) fn binarize(img: &LumaImage) -> Option<BitMatrix> {
    if let Some(m) = super::binarize::hybrid(img) {
        return Some(m);
    }
    let src = Luma8LuminanceSource::new(img.pixels.clone(), img.width, img.height).ok()?;
    let bitmap = BinaryBitmap::new(HybridBinarizer::new(src));
    Some(bitmap.get_black_matrix().clone())
}

pub(super) fn detect(bin: &BitMatrix, scale: f32) -> (Vec<Found>, Sets) {
    let mut fps = FindFinderPatterns(bin, true, 0);
    let sets = GenerateFinderPatternSets(&mut fps);
    let mut used: Vec<ConcentricPattern> = Vec::new();
    let mut found = Vec::new();
    let mut unexplained = Vec::new();
    for set in sets {
        if used.contains(&set.bl) || used.contains(&set.tl) || used.contains(&set.tr) {
            continue;
        }
        let decoded = SampleQR(bin, &set).ok().and_then(|det| {
            let res = Decode(det.getBits()).ok()?;
            if !res.isValid() {
                return None;
            }
            let pts = det.getPoints();
            let mut corners = [(0.0, 0.0); 4];
            for (c, p) in corners.iter_mut().zip(pts.iter()) {
                *c = scale_pt(p.x, p.y, scale);
            }
            Some((res.content().bytes().to_vec(), corners))
        });
        match decoded {
            Some(f) => {
                used.extend([set.bl, set.tl, set.tr]);
                found.push(f);
            }
            None => unexplained.push((
                [
                    pattern_pt(&set.bl, scale),
                    pattern_pt(&set.tl, scale),
                    pattern_pt(&set.tr, scale),
                ],
                (set.bl.size + set.tl.size + set.tr.size) as f32 / 21.0 * scale,
            )),
        }
    }
    // Triples made of patterns of decoded codes are explained by them.
    unexplained.retain(|(s, _)| {
        s.iter()
            .filter(|p| {
                used.iter().any(|u| {
                    (pattern_pt(u, scale).0 - p.0).abs() < 1.0
                        && (pattern_pt(u, scale).1 - p.1).abs() < 1.0
                })
            })
            .count()
            < 2
    });
    (found, unexplained)
}

/// `rqrr` over `img`: with `binary`, the image is already thresholded and rqrr's own row-wise
/// threshold is skipped.
pub(super) fn rqrr_pass(img: &LumaImage, binary: bool, scale: f32) -> Vec<Found> {
    catch_unwind(AssertUnwindSafe(|| {
        let (w, h) = (img.w(), img.h());
        let px = &img.pixels;
        let mut prepared = if binary {
            rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| px[y * w + x] < 128)
        } else {
            rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x])
        };
        let mut out = Vec::new();
        for grid in prepared.detect_grids() {
            let mut bytes = Vec::new();
            if grid.decode_to(&mut bytes).is_ok() {
                let b = grid.bounds;
                let corners = [
                    scale_pt(b[0].x as f32, b[0].y as f32, scale),
                    scale_pt(b[1].x as f32, b[1].y as f32, scale),
                    scale_pt(b[2].x as f32, b[2].y as f32, scale),
                    scale_pt(b[3].x as f32, b[3].y as f32, scale),
                ];
                out.push((bytes, corners));
            }
        }
        out
    }))
    .unwrap_or_default()
}
