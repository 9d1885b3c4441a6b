//! QR code exports as PNG images: Google Authenticator migration codes (batched as Google does,
//! [`GOOGLE_BATCH`] accounts per code) and one `otpauth://` code per account.

use twofold_otp::migration;

use super::{crypto, ExportFile, ExportFormat, Exported, Exporter, TransferError};
use twofold_vault::account::Account;

/// Accounts per migration QR code (Google Authenticator puts about 10 in one code).
pub const GOOGLE_BATCH: usize = 10;

/// Renders `payload` as a PNG QR code (error correction M, 8 px modules, quiet zone).
pub fn png(payload: &[u8]) -> Result<Vec<u8>, TransferError> {
    let code =
        qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M).map_err(|e| {
            TransferError::Export(format!("the QR code cannot hold this payload ({e})"))
        })?;
    let img = code
        .render::<image::Luma<u8>>()
        .module_dimensions(8, 8)
        .quiet_zone(true)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| TransferError::Export(format!("PNG encoding failed: {e}")))?;
    Ok(out.into_inner())
}

pub struct GoogleQrExporter {
    pub per_code: usize,
}

/// The migration URIs of an export: accounts Google cannot hold (Steam, a period other than
/// 30 s, digits other than 6 or 8) are left out and named in the second list.
pub fn google_uris(
    accounts: &[Account],
    per_code: usize,
) -> Result<(Vec<zeroize::Zeroizing<String>>, Vec<String>), TransferError> {
    let mut fit = Vec::new();
    let mut skipped = Vec::new();
    for a in accounts {
        let k = a.to_key_uri();
        match migration::encode(std::slice::from_ref(&k), 1, 0, 1) {
            Ok(_) => fit.push(k),
            Err(e) => skipped.push(format!("{}: {e}", a.display_name())),
        }
    }
    let per_code = per_code.max(1);
    let chunks: Vec<_> = fit.chunks(per_code).collect();
    let size = chunks.len() as i32;
    let id_bytes: [u8; 4] = crypto::random()?;
    let batch_id = (i32::from_le_bytes(id_bytes) & 0x7fff_ffff).max(1);
    let mut uris = Vec::with_capacity(chunks.len());
    for (i, c) in chunks.iter().enumerate() {
        uris.push(
            migration::encode(c, size, i as i32, batch_id)
                .map_err(|e| TransferError::Export(e.to_string()))?,
        );
    }
    Ok((uris, skipped))
}

impl Exporter for GoogleQrExporter {
    fn format(&self) -> ExportFormat {
        ExportFormat::GoogleQr
    }

    fn export(
        &self,
        accounts: &[Account],
        _password: Option<&str>,
    ) -> Result<Exported, TransferError> {
        let (uris, skipped) = google_uris(accounts, self.per_code)?;
        let n = uris.len();
        let mut files = Vec::with_capacity(n);
        for (i, u) in uris.iter().enumerate() {
            files.push(ExportFile {
                name: format!("google-authenticator-{}-of-{n}.png", i + 1),
                bytes: zeroize::Zeroizing::new(png(u.as_bytes())?),
            });
        }
        Ok(Exported { files, skipped })
    }
}

pub struct QrExporter;

/// A file-name-safe version of an account name.
fn slug(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' || c == '@' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    s.trim_matches(['_', '.']).to_string()
}

impl Exporter for QrExporter {
    fn format(&self) -> ExportFormat {
        ExportFormat::Qr
    }

    fn export(
        &self,
        accounts: &[Account],
        _password: Option<&str>,
    ) -> Result<Exported, TransferError> {
        let mut files = Vec::with_capacity(accounts.len());
        for (i, a) in accounts.iter().enumerate() {
            let uri = a.to_key_uri().to_uri();
            let name = slug(&format!("{}-{}", a.issuer, a.label));
            files.push(ExportFile {
                name: format!(
                    "{:03}-{}.png",
                    i + 1,
                    if name.is_empty() {
                        "account".into()
                    } else {
                        name
                    }
                ),
                bytes: zeroize::Zeroizing::new(png(uri.as_bytes())?),
            });
        }
        Ok(Exported {
            files,
            skipped: Vec::new(),
        })
    }
}
