//! Stored message parts to and from the SDK's content blocks.

use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, DocumentBlock, DocumentFormat, DocumentSource, ImageBlock, ImageFormat,
    ImageSource, ReasoningContentBlock, ReasoningTextBlock, ToolResultBlock,
    ToolResultContentBlock, ToolResultStatus, ToolUseBlock,
};
use base64::Engine as _;
use serde_json::Value;

use super::message::{ContentPart, ToolStatus};
use crate::document::to_document;
use crate::error::{Error, Result};
use crate::executor::{tokens_for_chars, DOCUMENT_CHARS, IMAGE_CHARS};
use crate::media::{Document, Image};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(crate) fn image_part(image: &Image) -> ContentPart {
    let format = match image.format {
        crate::ImageFormat::Png => "png",
        crate::ImageFormat::Jpeg => "jpeg",
        crate::ImageFormat::Gif => "gif",
        crate::ImageFormat::Webp => "webp",
    };
    ContentPart::Image {
        format: format.into(),
        data: B64.encode(&image.bytes),
    }
}

pub(crate) fn document_part(document: &Document) -> Result<ContentPart> {
    let ContentBlock::Document(block) = document.to_block()? else {
        return Err(Error::InvalidInput("not a document".into()));
    };
    Ok(ContentPart::Document {
        format: block.format().as_str().to_string(),
        name: block.name().to_string(),
        data: B64.encode(&document.bytes),
        citations: document.citations,
    })
}

/// The SDK block for a stored part.
pub(crate) fn to_block(part: &ContentPart) -> Result<ContentBlock> {
    let invalid = |e: &dyn std::fmt::Display| Error::InvalidInput(e.to_string());
    Ok(match part {
        // Cited text goes back as text: the citations were for the caller.
        ContentPart::Text { text } | ContentPart::CitedText { text, .. } => {
            ContentBlock::Text(text.clone())
        }
        ContentPart::Image { format, data } => ContentBlock::Image(
            ImageBlock::builder()
                .format(ImageFormat::from(format.as_str()))
                .source(ImageSource::Bytes(Blob::new(
                    B64.decode(data).map_err(|e| invalid(&e))?,
                )))
                .build()
                .map_err(|e| invalid(&e))?,
        ),
        ContentPart::Document {
            format,
            name,
            data,
            citations,
        } => ContentBlock::Document(
            DocumentBlock::builder()
                .format(DocumentFormat::from(format.as_str()))
                .name(name)
                .source(DocumentSource::Bytes(Blob::new(
                    B64.decode(data).map_err(|e| invalid(&e))?,
                )))
                .set_citations(citations.then(crate::media::citations_enabled))
                .build()
                .map_err(|e| invalid(&e))?,
        ),
        ContentPart::ToolUse { id, name, input } => ContentBlock::ToolUse(
            ToolUseBlock::builder()
                .tool_use_id(id)
                .name(name)
                .input(to_document(input))
                .build()
                .map_err(|e| invalid(&e))?,
        ),
        ContentPart::Reasoning {
            text,
            signature,
            redacted,
        } => ContentBlock::ReasoningContent(match redacted {
            Some(bytes) => ReasoningContentBlock::RedactedContent(Blob::new(
                B64.decode(bytes).map_err(|e| invalid(&e))?,
            )),
            None => ReasoningContentBlock::ReasoningText(
                ReasoningTextBlock::builder()
                    .text(text)
                    .set_signature(signature.clone())
                    .build()
                    .map_err(|e| invalid(&e))?,
            ),
        }),
        ContentPart::ToolResult {
            tool_use_id,
            status,
            content,
        } => {
            let block = match content {
                Value::String(text) => ToolResultContentBlock::Text(text.clone()),
                Value::Object(_) => ToolResultContentBlock::Json(to_document(content)),
                other => ToolResultContentBlock::Json(to_document(
                    &serde_json::json!({ "value": other }),
                )),
            };
            ContentBlock::ToolResult(
                ToolResultBlock::builder()
                    .tool_use_id(tool_use_id)
                    .content(block)
                    .status(match status {
                        ToolStatus::Success => ToolResultStatus::Success,
                        ToolStatus::Error => ToolResultStatus::Error,
                    })
                    .build()
                    .map_err(|e| invalid(&e))?,
            )
        }
    })
}

/// A tool block as plain text, for history whose tool is no longer declared.
pub(crate) fn tool_part_as_text(part: &ContentPart) -> Option<ContentPart> {
    match part {
        ContentPart::ToolUse { name, input, .. } => Some(ContentPart::text(format!(
            "[called tool {name} with {input}]"
        ))),
        ContentPart::ToolResult {
            status, content, ..
        } => Some(ContentPart::text(format!(
            "[tool result ({status:?}): {content}]"
        ))),
        _ => None,
    }
}

/// Rough token count of parts, by the executor's one estimate.
pub(crate) fn estimate_tokens(parts: &[ContentPart], ai_context: Option<&Value>) -> u32 {
    let chars: usize = parts
        .iter()
        .map(|p| match p {
            ContentPart::Text { text } | ContentPart::CitedText { text, .. } => text.len(),
            ContentPart::Image { .. } => IMAGE_CHARS,
            ContentPart::Document { .. } => DOCUMENT_CHARS,
            ContentPart::ToolUse { name, input, .. } => name.len() + input.to_string().len(),
            ContentPart::ToolResult { content, .. } => content.to_string().len(),
            ContentPart::Reasoning {
                text,
                signature,
                redacted,
            } => {
                text.len()
                    + signature.as_ref().map_or(0, String::len)
                    + redacted.as_ref().map_or(0, String::len)
            }
        })
        .sum::<usize>()
        + ai_context.map(|c| c.to_string().len()).unwrap_or(0);
    (tokens_for_chars(chars) as u32).max(1)
}
