//! Which pack icon fits an issuer.

use crate::{Icon, Pack};

/// An issuer or an icon's issuer name reduced for comparing: lower case, accents and
/// everything but letters and digits dropped ("Proton Mail" and "protonmail" meet).
pub fn normalise(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(fold_accent)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The common Latin accents folded to their base letter.
pub(crate) fn fold_accent(c: char) -> char {
    match c {
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

/// The icon the packs suggest for `issuer`: first an icon listing the issuer itself (compared
/// normalised), else Aegis's own rule (`IconPack.Icon.isSuggestedFor`: one name contains the
/// other, ignoring case) for names of at least three characters. Packs are asked in order.
pub fn suggest<'a>(packs: &'a [Pack], issuer: &str) -> Option<(&'a Pack, &'a Icon)> {
    let want = normalise(issuer);
    if want.is_empty() {
        return None;
    }
    let all = || {
        packs
            .iter()
            .flat_map(|p| p.icons.iter().map(move |i| (p, i)))
    };
    let names = |i: &'a Icon| i.issuer.iter().map(|s| normalise(s));
    all()
        .find(|(_, i)| names(i).any(|n| n == want))
        .or_else(|| {
            (want.chars().count() >= 3).then(|| {
                all().find(|(_, i)| {
                    names(i)
                        .any(|n| n.chars().count() >= 3 && (n.contains(&want) || want.contains(&n)))
                })
            })?
        })
}
