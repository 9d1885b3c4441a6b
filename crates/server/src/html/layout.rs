//! What every HTML face's page shares: the document around a page, and escaped lists (error
//! lists, backup tokens). Each face keeps its own header, navigation and wording.

use super::esc;

/// The style every face's pages share; a face adds its own rules after it.
const BASE_CSS: &str = "\
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
header { display: flex; justify-content: space-between; border-bottom: 1px solid #ddd; padding-bottom: .5rem; margin-bottom: 1rem; }
.errorlist { color: #b00020; }
";

/// A whole page: `title` (escaped here) as the tab title and heading, `brand` and `nav` (HTML)
/// in the header, `before_main` (HTML, e.g. messages) between header and content, `css` after
/// the shared style.
pub(super) fn document(
    title: &str,
    brand: &str,
    nav: &str,
    before_main: &str,
    body: &str,
    css: &str,
) -> String {
    let title = esc(title);
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Twofold test server</title>
<style>
{BASE_CSS}{css}</style>
</head>
<body>
<header><strong>{brand}</strong><nav>{nav}</nav></header>
{before_main}
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"#
    )
}

/// `<ul class="…"><li>…</li>…</ul>` of the items, escaped (no class attribute for `""`);
/// nothing for no items.
pub(super) fn list<S: AsRef<str>>(items: &[S], class: &str) -> String {
    if items.is_empty() {
        return String::new();
    }
    let lis: String = items
        .iter()
        .map(|e| format!("<li>{}</li>", esc(e.as_ref())))
        .collect();
    if class.is_empty() {
        format!("<ul>{lis}</ul>")
    } else {
        format!(r#"<ul class="{class}">{lis}</ul>"#)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_escape_and_pages_carry_the_title_once_escaped() {
        assert_eq!(list::<&str>(&[], "errorlist"), "");
        assert_eq!(list(&["a<b"], ""), "<ul><li>a&lt;b</li></ul>");
        assert_eq!(
            list(&["x".to_string()], "errorlist"),
            r#"<ul class="errorlist"><li>x</li></ul>"#
        );
        let page = document("A & B", "Brand", "<a>nav</a>", "", "<p>body</p>", "");
        assert!(page.contains("<title>A &amp; B · Twofold test server</title>"));
        assert!(page.contains("<h1>A &amp; B</h1>"));
        assert!(page.contains("<strong>Brand</strong><nav><a>nav</a></nav>"));
    }
}
