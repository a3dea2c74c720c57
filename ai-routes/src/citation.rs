//! Citations: the passages of the caller's documents that support a cited answer (Claude,
//! with [`Document::with_citations`](crate::Document::with_citations)).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A passage of a source that supports part of a cited answer: which source, what it says,
/// and where it is.
///
/// ```
/// use ai_routes::{Citation, CitationLocation};
/// let citation = Citation {
///     title: Some("warranty".into()),
///     source_text: vec!["Warranty: 24 months from purchase.".into()],
///     location: CitationLocation::DocumentChar { document_index: 0, start: 0, end: 34 },
/// };
/// assert_eq!(serde_json::to_value(&citation).unwrap()["location"]["kind"], "document_char");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Citation {
    /// The cited source's title (a document's name as it was sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The cited passages, as the source says them.
    #[serde(default)]
    pub source_text: Vec<String>,
    /// Where the passages are in the source.
    pub location: CitationLocation,
}

/// Where a cited passage is. Indexes count the cited documents of the request in order,
/// from 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CitationLocation {
    /// Characters `start..end` of a text document.
    DocumentChar {
        /// Which document.
        document_index: u32,
        /// First character.
        start: u32,
        /// One past the last character.
        end: u32,
    },
    /// Pages `start..end` of a PDF.
    DocumentPage {
        /// Which document.
        document_index: u32,
        /// First page (from 1).
        start: u32,
        /// One past the last page.
        end: u32,
    },
    /// Chunks `start..end` of a document given as chunks.
    DocumentChunk {
        /// Which document.
        document_index: u32,
        /// First chunk.
        start: u32,
        /// One past the last chunk.
        end: u32,
    },
    /// Blocks `start..end` of a search result.
    SearchResult {
        /// Which search result.
        search_result_index: u32,
        /// First block.
        start: u32,
        /// One past the last block.
        end: u32,
    },
    /// A web page.
    Web {
        /// The page's address.
        url: String,
        /// The site.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        domain: Option<String>,
    },
    /// A location kind this version of ai-routes does not know.
    Unknown,
}

impl Citation {
    /// The citation Bedrock sent (a `citationsContent` block's, or a stream's citation delta).
    pub(crate) fn from_sdk(
        title: Option<&str>,
        source_text: Vec<String>,
        location: Option<&aws_sdk_bedrockruntime::types::CitationLocation>,
    ) -> Citation {
        use aws_sdk_bedrockruntime::types::CitationLocation as Sdk;
        let n = |v: Option<i32>| v.unwrap_or(0).max(0) as u32;
        let location = match location {
            Some(Sdk::DocumentChar(l)) => CitationLocation::DocumentChar {
                document_index: n(l.document_index()),
                start: n(l.start()),
                end: n(l.end()),
            },
            Some(Sdk::DocumentPage(l)) => CitationLocation::DocumentPage {
                document_index: n(l.document_index()),
                start: n(l.start()),
                end: n(l.end()),
            },
            Some(Sdk::DocumentChunk(l)) => CitationLocation::DocumentChunk {
                document_index: n(l.document_index()),
                start: n(l.start()),
                end: n(l.end()),
            },
            Some(Sdk::SearchResultLocation(l)) => CitationLocation::SearchResult {
                search_result_index: n(l.search_result_index()),
                start: n(l.start()),
                end: n(l.end()),
            },
            Some(Sdk::Web(l)) => CitationLocation::Web {
                url: l.url().unwrap_or_default().to_string(),
                domain: l.domain().map(str::to_string),
            },
            _ => CitationLocation::Unknown,
        };
        Citation {
            title: title.map(str::to_string),
            source_text,
            location,
        }
    }

    /// The citations of a `citationsContent` block.
    pub(crate) fn all_from_block(
        block: &aws_sdk_bedrockruntime::types::CitationsContentBlock,
    ) -> Vec<Citation> {
        block
            .citations()
            .iter()
            .map(|c| {
                Citation::from_sdk(
                    c.title(),
                    c.source_content()
                        .iter()
                        .filter_map(|s| s.as_text().ok().cloned())
                        .collect(),
                    c.location(),
                )
            })
            .collect()
    }

    /// The citation of a stream's citation delta.
    pub(crate) fn from_delta(delta: &aws_sdk_bedrockruntime::types::CitationsDelta) -> Citation {
        Citation::from_sdk(
            delta.title(),
            delta
                .source_content()
                .iter()
                .filter_map(|s| s.text().map(str::to_string))
                .collect(),
            delta.location(),
        )
    }
}
