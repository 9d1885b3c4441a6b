//! The accounts inside the encryption: JSON in a zeroizing buffer.

use super::*;

#[derive(Deserialize)]
pub(super) struct PayloadIn {
    accounts: Vec<Account>,
}

#[derive(Serialize)]
pub(super) struct PayloadOut<'a> {
    accounts: &'a [Account],
}

pub(super) fn decode_payload(path: &Path, plain: &[u8]) -> Result<Vec<Account>> {
    let p: PayloadIn = serde_json::from_slice(plain).map_err(|e| VaultError::Tampered {
        path: path.to_path_buf(),
        backup: backup_path(path),
        // serde_json errors name a position and a type, never the input text.
        reason: format!(
            "the decrypted accounts are not readable: {}",
            e.classify_name()
        ),
    })?;
    Ok(p.accounts)
}

pub(super) trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "cut short",
        }
    }
}

/// Appends the payload JSON to `w` (a buffer that zeroizes whatever it leaves behind).
#[doc(hidden)]
pub fn write_payload(w: &mut format::PlainBuf, accounts: &[Account]) {
    serde_json::to_writer(w, &PayloadOut { accounts })
        .expect("serialising accounts to memory cannot fail");
}

/// A payload size guess for a vault with `n` accounts and no earlier file to go by.
pub(super) fn payload_hint(n: usize) -> usize {
    64 + n * 320
}
