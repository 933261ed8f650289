//! The invoice as a standalone HTML page (printable; every value escaped).

use std::fmt::Write;

use super::{Copy, InvoiceDoc, Line};

/// `&`, `<`, `>`, `"` and `'` as entities: text from users never becomes markup.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn row(out: &mut String, class: &str, line: &Line) {
    let _ = write!(
        out,
        "<tr class=\"{class}\"><td>{}</td><td class=\"amount\">{}</td></tr>",
        escape(&line.description),
        escape(&line.amount.display())
    );
}

pub fn render(doc: &InvoiceDoc) -> String {
    let e = escape;
    let mut out = String::with_capacity(4096);
    let title = match doc.copy {
        Copy::Customer => "Invoice",
        Copy::Provider => "Invoice (provider's copy)",
    };
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>{title} {number}</title><style>\
body{{font-family:Helvetica,Arial,sans-serif;color:#222;max-width:42rem;margin:2rem auto;padding:0 1rem}}\
h1{{font-size:1.6rem;margin:0}}.muted{{color:#666}}table{{width:100%;border-collapse:collapse;margin-top:1.5rem}}\
td,th{{padding:.4rem 0;border-bottom:1px solid #ddd;text-align:left}}.amount{{text-align:right;white-space:nowrap}}\
tr.total td{{font-weight:bold;border-top:2px solid #222}}.parties{{display:flex;gap:2rem;margin-top:1.5rem}}\
.parties div{{flex:1}}</style></head><body>",
        number = e(&doc.number)
    );
    let _ = write!(
        out,
        "<header><h1>{title}</h1><p class=\"muted\">{number} &middot; issued {issued}</p></header>",
        number = e(&doc.number),
        issued = doc.issued_at.format("%-d %B %Y")
    );
    let _ = write!(
        out,
        "<section class=\"parties\"><div><strong>From</strong><br>{}",
        e(&doc.issuer.name)
    );
    for line in &doc.issuer.address {
        let _ = write!(out, "<br>{}", e(line));
    }
    if let Some(tax) = &doc.issuer.tax_id {
        let _ = write!(out, "<br>Tax number: {}", e(tax));
    }
    let _ = write!(
        out,
        "<br>{}</div><div><strong>Billed to</strong><br>{}<br>{}</div><div><strong>Service by</strong><br>{}</div></section>",
        e(&doc.issuer.email),
        e(&doc.customer.name),
        e(&doc.customer.email),
        e(&doc.provider.name)
    );
    let _ = write!(
        out,
        "<p>Booking {} &middot; {}{}</p>",
        e(&doc.booking_reference),
        e(&doc.service),
        doc.completed_at
            .map(|at| format!(" &middot; completed {}", at.format("%-d %B %Y %H:%M UTC")))
            .unwrap_or_default()
    );
    out.push_str("<table><thead><tr><th>Description</th><th class=\"amount\">Amount</th></tr></thead><tbody>");
    for line in &doc.lines {
        row(&mut out, "line", line);
    }
    row(
        &mut out,
        "total",
        &Line {
            description: "Total charged".into(),
            amount: doc.total_charged.clone(),
        },
    );
    for line in &doc.refunds {
        row(&mut out, "refund", line);
    }
    if !doc.refunds.is_empty() {
        row(
            &mut out,
            "total",
            &Line {
                description: "Total paid".into(),
                amount: doc.total_paid.clone(),
            },
        );
    }
    if let Some(commission) = &doc.commission {
        row(&mut out, "commission", commission);
    }
    if let Some(earnings) = &doc.earnings {
        row(
            &mut out,
            "total",
            &Line {
                description: "Your earnings".into(),
                amount: earnings.clone(),
            },
        );
    }
    out.push_str("</tbody></table>");
    if let Some(held) = &doc.held {
        let _ = write!(
            out,
            "<p class=\"muted\">{} is held while a payment complaint is open.</p>",
            e(&held.display())
        );
    }
    let _ = write!(
        out,
        "<p class=\"muted\">Paid in full by card. Questions: {}</p></body></html>",
        e(&doc.issuer.email)
    );
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_in_values_is_escaped() {
        assert_eq!(
            super::escape("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }
}
