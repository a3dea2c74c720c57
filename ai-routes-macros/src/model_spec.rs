//! The model settings every route kind shares: validated once from [`ModelOptions`],
//! emitted by one function as the runtime's `ModelSpec`.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

use crate::attrs::ModelOptions;
use ai_routes_catalog::{Effort, ReasoningPlan, ReasoningSetting};

use ai_routes_catalog::{CacheTtl, ServiceTier};

use crate::checks::{
    check_cache, check_guardrail, check_inference, check_service_tier, check_system_prompt,
};
use crate::diagnostics::Errors;
use crate::model_check::{check_region, resolve_model, RouteModel};
use crate::reasoning::check_reasoning;

/// A route's validated model settings.
pub struct ModelSettings {
    pub model: RouteModel,
    pub region: Option<String>,
    pub system_prompt: Option<String>,
    pub max_tokens: Option<i32>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub stop_sequences: Vec<String>,
    pub cache: Option<CacheTtl>,
    pub guardrail: Option<String>,
    pub reasoning: ReasoningSetting,
    /// What the reasoning setting means on the model (`NONE` when it cannot be decided).
    pub reasoning_plan: ReasoningPlan,
    pub service_tier: Option<ServiceTier>,
}

/// Whether a route sends its history again on each call (conversations), which makes the
/// checkpoint at the end of the messages count once the history is long enough.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum History {
    Resent,
    None,
}

impl ModelSettings {
    /// Checks the options against the catalog (every error reported); `None` when the
    /// model itself cannot be resolved.
    pub fn check(options: ModelOptions, history: History, errors: &mut Errors) -> Option<Self> {
        let known_region = options.region.as_ref().filter(|r| check_region(r, errors));
        let model = resolve_model(&options, known_region, errors);
        if let Some(model) = &model {
            check_system_prompt(model, options.system_prompt.as_ref(), errors);
            check_inference(
                model,
                options.max_tokens.as_ref(),
                options.temperature.as_ref(),
                options.top_p.as_ref(),
                errors,
            );
        }
        let (reasoning, reasoning_plan) = check_reasoning(model.as_ref(), &options, errors);
        check_cache(
            model.as_ref(),
            options.cache.as_ref(),
            options.system_prompt.as_ref(),
            history,
            errors,
        );
        check_guardrail(options.guardrail.as_ref(), errors);
        check_service_tier(model.as_ref(), options.service_tier.as_ref(), errors);
        // An application inference profile is called in its own region.
        let profile_region = options
            .invoke
            .as_ref()
            .and_then(|arn| ai_routes_catalog::ApplicationProfileArn::parse(&arn.value))
            .map(|arn| arn.region);
        Some(ModelSettings {
            model: model?,
            region: options.region.map(|r| r.value).or(profile_region),
            system_prompt: options.system_prompt.map(|s| s.value),
            max_tokens: options.max_tokens.map(|m| m.value as i32),
            temperature: options.temperature.map(|t| t.value as f32),
            top_p: options.top_p.map(|t| t.value as f32),
            stop_sequences: Vec::new(),
            cache: options.cache.and_then(|c| c.value),
            guardrail: options.guardrail.map(|g| g.value),
            reasoning,
            reasoning_plan,
            service_tier: options.service_tier.map(|t| t.value),
        })
    }

    /// The `::ai_routes::__private::ModelSpec` constant, for both route kinds.
    pub fn tokens(&self) -> TokenStream {
        let model = &self.model.written;
        let invoke_id = &self.model.invoke_id;
        let catalog_id = option(self.model.model.map(|m| m.id));
        let region = option(self.region.as_deref());
        let cross_region = option(self.model.cross_region.as_deref());
        let system_prompt = option(self.system_prompt.as_deref());
        let max_tokens = option(self.max_tokens);
        let temperature = option(self.temperature);
        let top_p = option(self.top_p);
        let stop_sequences = &self.stop_sequences;
        let cache = option(self.cache.map(|ttl| match ttl {
            CacheTtl::FiveMinutes => quote!(::ai_routes::CacheTtl::FiveMinutes),
            CacheTtl::OneHour => quote!(::ai_routes::CacheTtl::OneHour),
        }));
        let guardrail = option(self.guardrail.as_deref());
        let reasoning = setting_tokens(self.reasoning);
        let service_tier = option(self.service_tier.map(|tier| match tier {
            ServiceTier::Default => quote!(::ai_routes::ServiceTier::Default),
            ServiceTier::Flex => quote!(::ai_routes::ServiceTier::Flex),
            ServiceTier::Priority => quote!(::ai_routes::ServiceTier::Priority),
        }));
        quote! {
            ::ai_routes::__private::ModelSpec {
                model: #model,
                invoke_id: #invoke_id,
                catalog_id: #catalog_id,
                region: #region,
                cross_region: #cross_region,
                system_prompt: #system_prompt,
                max_tokens: #max_tokens,
                temperature: #temperature,
                top_p: #top_p,
                stop_sequences: &[#(#stop_sequences),*],
                cache: #cache,
                guardrail: #guardrail,
                reasoning: #reasoning,
                service_tier: #service_tier,
            }
        }
    }
}

fn setting_tokens(setting: ReasoningSetting) -> TokenStream {
    let path = quote!(::ai_routes::__private::ReasoningSetting);
    match setting {
        ReasoningSetting::ModelDefault => quote!(#path::ModelDefault),
        ReasoningSetting::Off => quote!(#path::Off),
        ReasoningSetting::Budget(n) => quote!(#path::Budget(#n)),
        ReasoningSetting::Effort(effort) => {
            let variant = match effort {
                Effort::Low => quote!(Low),
                Effort::Medium => quote!(Medium),
                Effort::High => quote!(High),
                Effort::Max => quote!(Max),
            };
            quote!(#path::Effort(::ai_routes::__private::Effort::#variant))
        }
    }
}

pub fn option<T: ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(v) => quote! { ::core::option::Option::Some(#v) },
        None => quote! { ::core::option::Option::None },
    }
}
