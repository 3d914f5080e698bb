//! The demo's Companies House accounts: a small Accounts Data Product zip
//! written for the demo (fictional companies), imported after the demo
//! organisations so that the dashboard shows organisations found from their
//! accounts that never reported. One confirms a demo company's turnover;
//! three are in scope and unknown to the registry (one by its group's
//! consolidated turnover); one is under £36m and is not added.

use std::io::Write;
use std::path::Path;

struct DemoFiling {
    number: &'static str,
    name: &'static str,
    turnover_thousands: i64,
    group: bool,
    sic: &'static str,
}

const FILINGS: &[DemoFiling] = &[
    DemoFiling {
        number: "04817263",
        name: "HARBOURLINE FOODS PLC",
        turnover_thousands: 418_000,
        group: false,
        sic: "10200",
    },
    DemoFiling {
        number: "03391827",
        name: "PENNINE QUARRY PRODUCTS LIMITED",
        turnover_thousands: 52_400,
        group: false,
        sic: "08110",
    },
    DemoFiling {
        number: "06120458",
        name: "SALTMARSH RETAIL GROUP PLC",
        turnover_thousands: 212_750,
        group: true,
        sic: "47190",
    },
    DemoFiling {
        number: "08831276",
        name: "KESTREL CARE HOMES LIMITED",
        turnover_thousands: 38_900,
        group: false,
        sic: "87100",
    },
    DemoFiling {
        number: "11223344",
        name: "TINKER'S YARD LTD",
        turnover_thousands: 1_240,
        group: false,
        sic: "43390",
    },
];

/// One filing's XHTML, in the shape of the product's FRS 102 filings.
fn xhtml(f: &DemoFiling) -> String {
    let n = f.number;
    let context = |id: &str, dim: &str| {
        format!(
            "<xbrli:context id=\"{id}\"><xbrli:entity><xbrli:identifier scheme=\"http://www.companieshouse.gov.uk/\">{n}</xbrli:identifier>{dim}</xbrli:entity>\
             <xbrli:period><xbrli:startDate>2023-04-01</xbrli:startDate><xbrli:endDate>2024-03-31</xbrli:endDate></xbrli:period></xbrli:context>"
        )
    };
    let group_dim = "<xbrli:segment><xbrldi:explicitMember dimension=\"bus:GroupCompanyDataDimension\">bus:Consolidated</xbrldi:explicitMember></xbrli:segment>";
    let turnover_ctx = if f.group { "grp" } else { "cy" };
    let thousands = |v: i64| {
        let s = v.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let name = f.name.replace('&', "&amp;").replace('\'', "&#39;");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:ix=\"http://www.xbrl.org/2013/inlineXBRL\" \
         xmlns:xbrli=\"http://www.xbrl.org/2003/instance\" xmlns:xbrldi=\"http://xbrl.org/2006/xbrldi\" \
         xmlns:iso4217=\"http://www.xbrl.org/2003/iso4217\" xmlns:ixt4=\"http://www.xbrl.org/inlineXBRL/transformation/2020-02-12\" \
         xmlns:core=\"http://xbrl.frc.org.uk/fr/2023-01-01/core\" xmlns:bus=\"http://xbrl.frc.org.uk/cd/2023-01-01/business\">\n\
         <head><title>{name}</title></head><body>\n<div style=\"display:none\"><ix:header><ix:resources>{}{}\
         <xbrli:unit id=\"GBP\"><xbrli:measure>iso4217:GBP</xbrli:measure></xbrli:unit></ix:resources></ix:header></div>\n\
         <h1><ix:nonNumeric name=\"bus:EntityCurrentLegalOrRegisteredName\" contextRef=\"cy\">{name}</ix:nonNumeric></h1>\n\
         <p>Company number <ix:nonNumeric name=\"bus:UKCompaniesHouseRegisteredNumber\" contextRef=\"cy\">{n}</ix:nonNumeric>; SIC \
         <ix:nonNumeric name=\"bus:SICCodeRecordedUKCompaniesHouse1\" contextRef=\"cy\">{}</ix:nonNumeric></p>\n\
         <p>Year ended <ix:nonNumeric name=\"bus:EndDateForPeriodCoveredByReport\" contextRef=\"cy\" format=\"ixt4:date-day-monthname-year-en\">31 March 2024</ix:nonNumeric>. \
         Dormant: <ix:nonNumeric name=\"bus:EntityDormantTruefalse\" contextRef=\"cy\">false</ix:nonNumeric></p>\n\
         <p>Turnover £000: <ix:nonFraction name=\"core:TurnoverRevenue\" contextRef=\"{turnover_ctx}\" unitRef=\"GBP\" decimals=\"-3\" scale=\"3\" format=\"ixt4:num-dot-decimal\">{}</ix:nonFraction></p>\n\
         </body></html>\n",
        context("cy", ""),
        if f.group {
            context("grp", group_dim)
        } else {
            String::new()
        },
        f.sic,
        thousands(f.turnover_thousands),
    )
}

/// Writes the demo's accounts zip to `path`.
pub fn write_zip(path: &Path) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut z = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (i, f) in FILINGS.iter().enumerate() {
        let name = format!("Prod224_{:04}_{}_20240331.html", i + 1, f.number);
        z.start_file(name, opts).map_err(std::io::Error::other)?;
        z.write_all(xhtml(f).as_bytes())?;
    }
    z.finish().map_err(std::io::Error::other)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_filing_reads_back() {
        for f in FILINGS {
            let x = xhtml(f);
            let got = crate::accounts::parse(x.as_bytes(), "demo.html").expect("filing");
            assert_eq!(got.company_number, f.number);
            assert_eq!(
                got.turnover.map(|t| t.amount),
                Some(f.turnover_thousands * 1000)
            );
            assert_eq!(got.consolidated, f.group);
        }
    }
}
