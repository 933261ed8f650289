//! The invoice as a one-page A4 PDF, written with `pdf-writer` in the
//! standard Helvetica fonts (every PDF reader has them, nothing embedded).
//! Text is WinAnsi-encoded; characters outside it print as `?`.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{Copy, InvoiceDoc, Line};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const LEFT: f32 = 56.0;
const RIGHT: f32 = PAGE_W - 56.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Helvetica and Helvetica-Bold advance widths (1/1000 em) of ASCII 32..=126,
/// from the fonts' published metrics; used to right-align and to truncate.
const WIDTHS: [[u16; 95]; 2] = [
    [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
        556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
        722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
        667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
        556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
        500, 334, 260, 334, 584,
    ],
    [
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
        556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722,
        722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
        667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611,
        611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556,
        500, 389, 280, 389, 584,
    ],
];

/// The WinAnsi byte of `ch`, or `?`.
fn win_ansi(ch: char) -> u8 {
    match ch {
        ' '..='~' => ch as u8,
        '\u{a0}'..='\u{ff}' => ch as u32 as u8,
        '€' => 0x80,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        _ => b'?',
    }
}

fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .filter(|c| !c.is_control())
        .map(win_ansi)
        .collect()
}

fn width(bytes: &[u8], bold: bool, size: f32) -> f32 {
    let table = &WIDTHS[usize::from(bold)];
    let units: u32 = bytes
        .iter()
        .map(|&b| match b {
            32..=126 => u32::from(table[usize::from(b - 32)]),
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// `text` cut (with `...`) to fit `max` points.
fn fit(text: &str, bold: bool, size: f32, max: f32) -> Vec<u8> {
    let mut bytes = encode(text);
    if width(&bytes, bold, size) <= max {
        return bytes;
    }
    while !bytes.is_empty() && width(&bytes, bold, size) + width(b"...", bold, size) > max {
        bytes.pop();
    }
    bytes.extend_from_slice(b"...");
    bytes
}

struct Page {
    content: Content,
}

impl Page {
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let bytes = fit(text, bold, size, RIGHT - x);
        self.raw(x, y, size, bold, &bytes);
    }

    fn right(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let bytes = encode(text);
        let w = width(&bytes, bold, size);
        self.raw(x - w, y, size, bold, &bytes);
    }

    fn raw(&mut self, x: f32, y: f32, size: f32, bold: bool, bytes: &[u8]) {
        self.content
            .begin_text()
            .set_font(if bold { BOLD } else { REGULAR }, size)
            .next_line(x, y)
            .show(Str(bytes))
            .end_text();
    }

    fn rule(&mut self, y: f32, weight: f32, grey: f32) {
        self.content
            .set_line_width(weight)
            .set_stroke_rgb(grey, grey, grey)
            .move_to(LEFT, y)
            .line_to(RIGHT, y)
            .stroke();
    }

    fn band(&mut self, y: f32, height: f32) {
        self.content
            .set_fill_rgb(0.93, 0.94, 0.96)
            .rect(LEFT, y, RIGHT - LEFT, height)
            .fill_nonzero()
            .set_fill_rgb(0.1, 0.1, 0.1);
    }

    /// A table line: the description left, the amount right; returns the next y.
    fn line(&mut self, y: f32, line: &Line, bold: bool) -> f32 {
        let amount = line.amount.display();
        let amount_w = width(&encode(&amount), bold, 10.0);
        let bytes = fit(
            &line.description,
            bold,
            10.0,
            RIGHT - LEFT - amount_w - 24.0,
        );
        self.raw(LEFT + 6.0, y, 10.0, bold, &bytes);
        self.right(RIGHT - 6.0, y, 10.0, bold, &amount);
        self.rule(y - 7.0, 0.4, 0.82);
        y - 22.0
    }
}

/// The invoice as PDF bytes.
pub fn render(doc: &InvoiceDoc) -> Vec<u8> {
    let mut page = Page {
        content: Content::new(),
    };
    page.content.set_fill_rgb(0.1, 0.1, 0.1);
    let mut y = PAGE_H - 72.0;
    page.text(LEFT, y, 20.0, true, &doc.issuer.name);
    let title = match doc.copy {
        Copy::Customer => "INVOICE",
        Copy::Provider => "INVOICE - PROVIDER'S COPY",
    };
    page.right(
        RIGHT,
        y,
        if doc.copy == Copy::Customer {
            22.0
        } else {
            14.0
        },
        true,
        title,
    );
    y -= 20.0;
    let mut left_y = y;
    for line in &doc.issuer.address {
        page.text(LEFT, left_y, 9.5, false, line);
        left_y -= 13.0;
    }
    if let Some(tax) = &doc.issuer.tax_id {
        page.text(LEFT, left_y, 9.5, false, &format!("Tax number: {tax}"));
        left_y -= 13.0;
    }
    page.text(LEFT, left_y, 9.5, false, &doc.issuer.email);
    left_y -= 13.0;
    for (label, value) in [
        ("Invoice number", doc.number.clone()),
        ("Issued", doc.issued_at.format("%-d %B %Y").to_string()),
        ("Booking", doc.booking_reference.clone()),
    ] {
        page.right(RIGHT - 120.0, y, 9.5, false, label);
        page.right(RIGHT, y, 9.5, true, &value);
        y -= 13.0;
    }
    y = y.min(left_y) - 24.0;
    page.text(LEFT, y, 10.0, true, "Billed to");
    page.text(LEFT + 250.0, y, 10.0, true, "Service by");
    y -= 14.0;
    page.text(LEFT, y, 10.0, false, &doc.customer.name);
    page.text(LEFT + 250.0, y, 10.0, false, &doc.provider.name);
    y -= 13.0;
    page.text(LEFT, y, 9.5, false, &doc.customer.email);
    y -= 28.0;
    page.text(LEFT, y, 10.0, false, &format!("Service: {}", doc.service));
    y -= 13.0;
    if let Some(at) = doc.completed_at {
        page.text(
            LEFT,
            y,
            10.0,
            false,
            &format!("Completed: {}", at.format("%-d %B %Y, %H:%M UTC")),
        );
        y -= 13.0;
    }
    if let Some(address) = &doc.address {
        page.text(LEFT, y, 10.0, false, &format!("Where: {address}"));
        y -= 13.0;
    }
    y -= 20.0;
    page.band(y - 7.0, 22.0);
    page.raw(LEFT + 6.0, y, 10.0, true, b"Description");
    page.right(RIGHT - 6.0, y, 10.0, true, "Amount");
    y -= 24.0;
    for line in &doc.lines {
        y = page.line(y, line, false);
    }
    let total = |description: &str, amount: &crate::domain::Money| Line {
        description: description.to_owned(),
        amount: amount.clone(),
    };
    y = page.line(y, &total("Total charged", &doc.total_charged), true);
    for line in &doc.refunds {
        y = page.line(y, line, false);
    }
    if !doc.refunds.is_empty() {
        y = page.line(y, &total("Total paid", &doc.total_paid), true);
    }
    if let Some(commission) = &doc.commission {
        y = page.line(y, commission, false);
    }
    if let Some(earnings) = &doc.earnings {
        y = page.line(y, &total("Your earnings", earnings), true);
    }
    y -= 10.0;
    if let Some(held) = &doc.held {
        page.text(
            LEFT,
            y,
            9.5,
            false,
            &format!(
                "{} is held while a payment complaint is open.",
                held.display()
            ),
        );
        y -= 14.0;
    }
    page.text(LEFT, y, 9.5, false, "Paid in full by card. Thank you.");
    page.text(
        LEFT,
        50.0,
        8.5,
        false,
        &format!(
            "{} - questions about this invoice: {}",
            doc.issuer.name, doc.issuer.email
        ),
    );

    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let page_id = Ref::new(3);
    let regular = Ref::new(4);
    let bold = Ref::new(5);
    let contents = Ref::new(6);
    let info = Ref::new(7);
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page_id]).count(1);
    {
        let mut p = pdf.page(page_id);
        p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        p.parent(pages);
        p.contents(contents);
        let mut resources = p.resources();
        let mut fonts = resources.fonts();
        fonts.pair(REGULAR, regular);
        fonts.pair(BOLD, bold);
        fonts.finish();
        resources.finish();
        p.finish();
    }
    for (id, base) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let data = page.content.finish();
    pdf.stream(contents, &data);
    let title = format!("Invoice {}", doc.number);
    pdf.document_info(info)
        .title(TextStr(&title))
        .author(TextStr(&doc.issuer.name))
        .producer(TextStr("onsite"));
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_outside_win_ansi_prints_as_a_question_mark_and_long_text_is_cut() {
        assert_eq!(encode("José €5 ✓"), b"Jos\xe9 \x805 ?".to_vec());
        let cut = fit(&"W".repeat(200), false, 10.0, 100.0);
        assert!(cut.ends_with(b"..."));
        assert!(width(&cut, false, 10.0) <= 100.0);
        assert_eq!(width(b"0", true, 10.0), 5.56);
    }
}
