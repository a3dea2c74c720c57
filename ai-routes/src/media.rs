//! Images and documents passed to a route become Converse image/document content blocks.

use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, DocumentBlock, DocumentFormat as SdkDocumentFormat, DocumentSource, ImageBlock,
    ImageFormat as SdkImageFormat, ImageSource,
};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| serde::de::Error::custom(format!("`data` is not valid base64: {e}")))
    }
}

/// Bedrock's limits on the media of one Converse request (Converse API reference, `ImageBlock`
/// and `DocumentBlock`): checked before a message is stored or sent, so a file Bedrock would
/// refuse is a clear error up front instead of a failed call (and, in a conversation, a stored
/// message that every later turn would send again). Sizes are decimal megabytes, the stricter
/// reading of Bedrock's "3.75 MB" and "4.5 MB".
pub const MAX_IMAGE_BYTES: usize = 3_750_000;
/// Images in one request.
pub const MAX_IMAGES: usize = 20;
/// See [`MAX_IMAGE_BYTES`].
pub const MAX_DOCUMENT_BYTES: usize = 4_500_000;
/// Documents in one request.
pub const MAX_DOCUMENTS: usize = 5;

// Variant and field docs are `cfg_attr(doc, ..)`: a doc comment would be read by the
// `JsonSchema` derive and change the route schemas (documented unit variants become a
// `oneOf`), so they exist for rustdoc only.
/// Image formats Bedrock accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(not(doc), allow(missing_docs))]
pub enum ImageFormat {
    #[cfg_attr(doc, doc = "PNG (`\"png\"` in JSON).")]
    Png,
    #[cfg_attr(doc, doc = "JPEG (`\"jpeg\"` in JSON).")]
    Jpeg,
    #[cfg_attr(doc, doc = "GIF (`\"gif\"` in JSON).")]
    Gif,
    #[cfg_attr(doc, doc = "WebP (`\"webp\"` in JSON).")]
    Webp,
}

/// An image argument: becomes an `image` content block of the user message. In JSON (over
/// HTTP) it is `{"format": "png", "data": "<base64>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(not(doc), allow(missing_docs))]
pub struct Image {
    #[cfg_attr(doc, doc = "The image's format, sent to Bedrock with the bytes.")]
    pub format: ImageFormat,
    #[cfg_attr(
        doc,
        doc = "The raw image bytes (not base64; they are base64-encoded in JSON as `data`)."
    )]
    #[serde(rename = "data", with = "base64_bytes")]
    #[schemars(
        rename = "data",
        with = "String",
        description = "The image bytes, base64-encoded."
    )]
    pub bytes: Vec<u8>,
}

impl Image {
    /// An image of the given format. The bytes are not checked here; an empty image is
    /// refused with [`Error::InvalidInput`] when the call is made.
    ///
    /// ```
    /// use ai_routes::{Image, ImageFormat};
    ///
    /// let image = Image::new(ImageFormat::Jpeg, vec![1, 2, 3]);
    /// // Over HTTP (and in route arguments as JSON) the bytes travel base64-encoded.
    /// assert_eq!(
    ///     serde_json::to_value(&image).unwrap(),
    ///     serde_json::json!({ "format": "jpeg", "data": "AQID" })
    /// );
    /// ```
    pub fn new(format: ImageFormat, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            format,
            bytes: bytes.into(),
        }
    }

    /// Detects the format from the file's magic bytes; fails with [`Error::InvalidInput`]
    /// for anything but PNG, JPEG, GIF and WebP.
    ///
    /// ```
    /// use ai_routes::{Image, ImageFormat};
    ///
    /// // Usually `Image::from_bytes(std::fs::read("photo.png")?)?`.
    /// let png = Image::from_bytes(b"\x89PNG\r\n\x1a\n...".to_vec())?;
    /// assert_eq!(png.format, ImageFormat::Png);
    /// assert!(Image::from_bytes(b"%PDF-1.7".to_vec()).is_err());
    /// # Ok::<(), ai_routes::Error>(())
    /// ```
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self> {
        let bytes = bytes.into();
        let format = sniff_image(&bytes)
            .ok_or_else(|| Error::InvalidInput("not a PNG, JPEG, GIF or WebP image".into()))?;
        Ok(Self { format, bytes })
    }

    /// Whether Bedrock can take this image: not empty, at most [`MAX_IMAGE_BYTES`], and its
    /// bytes are the declared format.
    pub fn validate(&self) -> Result<()> {
        if self.bytes.is_empty() {
            return Err(Error::InvalidInput("the image is empty".into()));
        }
        if self.bytes.len() > MAX_IMAGE_BYTES {
            return Err(Error::InvalidInput(format!(
                "the image is {} bytes; Bedrock takes images of at most {MAX_IMAGE_BYTES} bytes \
                 (3.75 MB): scale it down",
                self.bytes.len()
            )));
        }
        match sniff_image(&self.bytes) {
            Some(found) if found == self.format => Ok(()),
            Some(found) => Err(Error::InvalidInput(format!(
                "the image is declared {:?} but its bytes are {found:?}",
                self.format
            ))),
            None => Err(Error::InvalidInput(format!(
                "the image is declared {:?} but its bytes are not a PNG, JPEG, GIF or WebP image",
                self.format
            ))),
        }
    }

    pub(crate) fn to_block(&self) -> Result<ContentBlock> {
        self.validate()?;
        let format = match self.format {
            ImageFormat::Png => SdkImageFormat::Png,
            ImageFormat::Jpeg => SdkImageFormat::Jpeg,
            ImageFormat::Gif => SdkImageFormat::Gif,
            ImageFormat::Webp => SdkImageFormat::Webp,
        };
        let block = ImageBlock::builder()
            .format(format)
            .source(ImageSource::Bytes(Blob::new(self.bytes.clone())))
            .build()
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        Ok(ContentBlock::Image(block))
    }
}

/// Document formats Bedrock accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(not(doc), allow(missing_docs))]
pub enum DocumentFormat {
    #[cfg_attr(doc, doc = "PDF (`\"pdf\"` in JSON).")]
    Pdf,
    #[cfg_attr(doc, doc = "Comma-separated values (`\"csv\"`).")]
    Csv,
    #[cfg_attr(doc, doc = "Word 97-2003 document (`\"doc\"`).")]
    Doc,
    #[cfg_attr(doc, doc = "Word document (`\"docx\"`).")]
    Docx,
    #[cfg_attr(doc, doc = "Excel 97-2003 workbook (`\"xls\"`).")]
    Xls,
    #[cfg_attr(doc, doc = "Excel workbook (`\"xlsx\"`).")]
    Xlsx,
    #[cfg_attr(doc, doc = "HTML (`\"html\"`).")]
    Html,
    #[cfg_attr(doc, doc = "Plain text (`\"txt\"`).")]
    Txt,
    #[cfg_attr(doc, doc = "Markdown (`\"md\"`).")]
    Md,
}

/// A document argument: becomes a `document` content block of the user message. In JSON
/// (over HTTP) it is `{"format": "pdf", "name": "contract", "data": "<base64>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(not(doc), allow(missing_docs))]
pub struct Document {
    #[cfg_attr(doc, doc = "The document's format.")]
    pub format: DocumentFormat,
    /// Shown to the model; Bedrock allows letters, digits, spaces, hyphens, parentheses and
    /// square brackets, so other characters are replaced by spaces when sent.
    pub name: String,
    #[cfg_attr(
        doc,
        doc = "The raw document bytes (not base64; they are base64-encoded in JSON as `data`)."
    )]
    #[serde(rename = "data", with = "base64_bytes")]
    #[schemars(
        rename = "data",
        with = "String",
        description = "The document bytes, base64-encoded."
    )]
    pub bytes: Vec<u8>,
    /// Whether the model may cite passages of this document ([`Document::with_citations`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub citations: bool,
}

impl Document {
    /// A document of the given format, shown to the model as `name`. The bytes are not
    /// checked here; an empty document is refused with [`Error::InvalidInput`] when the call
    /// is made.
    ///
    /// ```
    /// use ai_routes::{Document, DocumentFormat, UserMessage};
    ///
    /// let notes = Document::new(DocumentFormat::Md, "meeting notes", "# Decisions\n- ship it");
    /// // As a route argument, or attached to a conversation message:
    /// let message = UserMessage::text("What did we decide?").document(notes);
    /// ```
    pub fn new(format: DocumentFormat, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            format,
            name: name.into(),
            bytes: bytes.into(),
            citations: false,
        }
    }

    /// Lets the model cite this document: its answer then comes with the passages that
    /// support it ([`Citation`](crate::Citation)s in `Generated::citations`, `TurnReply::citations`,
    /// [`TurnEvent::Citations`](crate::conversation::TurnEvent::Citations), the stored message
    /// and the HTTP API's `citations` event). A Claude feature: on other models the call is
    /// refused before it is made.
    ///
    /// ```
    /// use ai_routes::{Document, DocumentFormat, UserMessage};
    /// let policy = Document::new(DocumentFormat::Txt, "warranty", "Warranty: 24 months.").with_citations();
    /// let message = UserMessage::text("How long is the warranty?").document(policy);
    /// ```
    pub fn with_citations(mut self) -> Self {
        self.citations = true;
        self
    }

    /// Whether Bedrock can take this document: not empty, at most [`MAX_DOCUMENT_BYTES`], and
    /// its bytes are the declared format (PDF, ZIP-based Office, OLE-based Office, or UTF-8
    /// text for CSV, HTML, TXT and Markdown).
    pub fn validate(&self) -> Result<()> {
        let name = &self.name;
        if self.bytes.is_empty() {
            return Err(Error::InvalidInput(format!(
                "the document `{name}` is empty"
            )));
        }
        if self.bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(Error::InvalidInput(format!(
                "the document `{name}` is {} bytes; Bedrock takes documents of at most \
                 {MAX_DOCUMENT_BYTES} bytes (4.5 MB)",
                self.bytes.len()
            )));
        }
        const PDF: &[u8] = b"%PDF-";
        const ZIP: &[u8] = b"PK\x03\x04";
        const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        let bytes = self.bytes.as_slice();
        let matches = match self.format {
            DocumentFormat::Pdf => bytes.starts_with(PDF),
            DocumentFormat::Docx | DocumentFormat::Xlsx => bytes.starts_with(ZIP),
            DocumentFormat::Doc | DocumentFormat::Xls => bytes.starts_with(OLE),
            DocumentFormat::Csv
            | DocumentFormat::Html
            | DocumentFormat::Txt
            | DocumentFormat::Md => {
                std::str::from_utf8(bytes).is_ok_and(|text| !text.contains('\0'))
            }
        };
        if !matches {
            return Err(Error::InvalidInput(format!(
                "the document `{name}` is declared {:?} but its bytes are not that format",
                self.format
            )));
        }
        Ok(())
    }

    pub(crate) fn to_block(&self) -> Result<ContentBlock> {
        self.validate()?;
        let format = match self.format {
            DocumentFormat::Pdf => SdkDocumentFormat::Pdf,
            DocumentFormat::Csv => SdkDocumentFormat::Csv,
            DocumentFormat::Doc => SdkDocumentFormat::Doc,
            DocumentFormat::Docx => SdkDocumentFormat::Docx,
            DocumentFormat::Xls => SdkDocumentFormat::Xls,
            DocumentFormat::Xlsx => SdkDocumentFormat::Xlsx,
            DocumentFormat::Html => SdkDocumentFormat::Html,
            DocumentFormat::Txt => SdkDocumentFormat::Txt,
            DocumentFormat::Md => SdkDocumentFormat::Md,
        };
        let block = DocumentBlock::builder()
            .format(format)
            .name(sanitize_name(&self.name))
            .source(DocumentSource::Bytes(Blob::new(self.bytes.clone())))
            .set_citations(self.citations.then(citations_enabled))
            .build()
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        Ok(ContentBlock::Document(block))
    }
}

/// `citations: {enabled: true}` on a document block.
pub(crate) fn citations_enabled() -> aws_sdk_bedrockruntime::types::CitationsConfig {
    aws_sdk_bedrockruntime::types::CitationsConfig::builder()
        .enabled(true)
        .build()
        .expect("enabled is set")
}

/// The image format of these bytes, from their magic number.
fn sniff_image(bytes: &[u8]) -> Option<ImageFormat> {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => Some(ImageFormat::Png),
        [0xFF, 0xD8, 0xFF, ..] => Some(ImageFormat::Jpeg),
        [b'G', b'I', b'F', b'8', ..] => Some(ImageFormat::Gif),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(ImageFormat::Webp),
        _ => None,
    }
}

/// Checks the number of images and documents in one request against Bedrock's limits.
pub(crate) fn check_counts(images: usize, documents: usize) -> Result<()> {
    if images > MAX_IMAGES {
        return Err(Error::InvalidInput(format!(
            "{images} images; Bedrock takes at most {MAX_IMAGES} in one request"
        )));
    }
    if documents > MAX_DOCUMENTS {
        return Err(Error::InvalidInput(format!(
            "{documents} documents; Bedrock takes at most {MAX_DOCUMENTS} in one request"
        )));
    }
    Ok(())
}

fn sanitize_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " -()[]".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    let collapsed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        "document".into()
    } else {
        collapsed
    }
}

/// What a route argument contributes to the user message: media become content blocks.
pub(crate) enum Media<'a> {
    Image(&'a Image),
    Document(&'a Document),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_image_formats_and_rejects_garbage() {
        assert_eq!(
            Image::from_bytes(vec![0x89, b'P', b'N', b'G', 1])
                .unwrap()
                .format,
            ImageFormat::Png
        );
        assert_eq!(
            Image::from_bytes(vec![0xFF, 0xD8, 0xFF, 0]).unwrap().format,
            ImageFormat::Jpeg
        );
        assert!(Image::from_bytes(b"hello".to_vec()).is_err());
    }

    #[test]
    fn document_names_are_made_acceptable() {
        assert_eq!(sanitize_name("report_2024.pdf"), "report 2024 pdf");
        assert_eq!(sanitize_name("***"), "document");
    }
}
