//! Human or machine: the rules that mark each view and click, as data with settings.
//!
//! Owns the classifier: its rule set ([`ClassifierSettings`], whose `Default` is the standard set), the
//! [`Verdict`] and its [`Reason`], what the classifier knows about an email ([`EmailContext`]) and the one
//! function that applies the rules to an event ([`classify`]). Every threshold is a setting a deployment or a
//! test can change; none lives in code.
//!
//! It must not count anything (per-email totals are [`crate::aggregate`]'s), decide whether tracking is on,
//! store verdicts or read a clock: every instant comes from the events and the email.
//!
//! How an event is judged: the rules are tried in order and the first that fires makes the event a machine's,
//! with that rule's reason. When none fires the event is a person's. A click with no view before it is
//! still a person's ([`Reason::ClickWithoutView`]): it means the reader's mail program blocked images, not
//! that a machine clicked. Replies, bounces and the other kinds are not views or clicks and get no verdict.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::email::Email;
use crate::engagement::{EngagementEvent, EventKind};
use crate::ids::Instant;

/// Whether a view or click was a person's, and why the classifier thinks so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    pub human: bool,
    pub reason: Reason,
}

impl Verdict {
    /// The verdict a reason stands for: human for [`Reason::is_human`] reasons, machine otherwise.
    pub fn new(reason: Reason) -> Verdict {
        Verdict { human: reason.is_human(), reason }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = if self.human { "a person" } else { "a machine" };
        write!(f, "{who}: {}", self.reason)
    }
}

/// Why a view or click was judged human or machine. The serde name (`privacy_proxy`, …) is stable and is
/// what settings and stored verdicts use; `Display` is the sentence the UI shows as the "why".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A privacy proxy (Apple Mail Privacy Protection) loaded the images whether or not anyone read the email.
    PrivacyProxy,
    /// A mail provider's image proxy (Gmail, Yahoo, AOL) fetched the image.
    ImageProxy,
    /// A mail security scanner or link checker (Microsoft Defender, Barracuda, Mimecast, Proofpoint…).
    SecurityScanner,
    /// A program rather than a mail reader or browser: a script, a headless browser, a bot.
    AutomatedClient,
    /// Too soon after delivery for a person to have read the email.
    SoonAfterDelivery,
    /// One of several distinct links clicked within a moment, as link scanners do.
    ClickBurst,
    /// A person's click with no view before it: the reader's mail program blocked images.
    ClickWithoutView,
    /// No rule saw a sign of a machine.
    NoMachineSign,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::PrivacyProxy,
        Reason::ImageProxy,
        Reason::SecurityScanner,
        Reason::AutomatedClient,
        Reason::SoonAfterDelivery,
        Reason::ClickBurst,
        Reason::ClickWithoutView,
        Reason::NoMachineSign,
    ];

    /// The stable name, the same as the serde name, e.g. `click_burst`.
    pub fn name(self) -> &'static str {
        match self {
            Reason::PrivacyProxy => "privacy_proxy",
            Reason::ImageProxy => "image_proxy",
            Reason::SecurityScanner => "security_scanner",
            Reason::AutomatedClient => "automated_client",
            Reason::SoonAfterDelivery => "soon_after_delivery",
            Reason::ClickBurst => "click_burst",
            Reason::ClickWithoutView => "click_without_view",
            Reason::NoMachineSign => "no_machine_sign",
        }
    }

    pub fn from_name(name: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether the reason means a person did it.
    pub fn is_human(self) -> bool {
        matches!(self, Reason::ClickWithoutView | Reason::NoMachineSign)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::PrivacyProxy => {
                "a privacy proxy such as Apple Mail Privacy Protection loaded the images, whether or not \
                 anyone read the email"
            }
            Reason::ImageProxy => {
                "a mail provider's image proxy (such as Gmail's or Yahoo's) fetched the image"
            }
            Reason::SecurityScanner => {
                "a mail security scanner (such as Microsoft Defender, Barracuda, Mimecast or Proofpoint) \
                 checked it"
            }
            Reason::AutomatedClient => {
                "a program did it (a script, a headless browser or a bot), not a mail reader"
            }
            Reason::SoonAfterDelivery => "it came within seconds of delivery, sooner than a person reads",
            Reason::ClickBurst => "several links were clicked within a moment, as link scanners do",
            Reason::ClickWithoutView => {
                "a click with no view before it: images were blocked, but a person clicked"
            }
            Reason::NoMachineSign => "no sign of a machine",
        })
    }
}

/// Which events a rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Applies {
    Views,
    Clicks,
    ViewsAndClicks,
}

impl Applies {
    fn covers(self, tracked: Tracked<'_>) -> bool {
        matches!(
            (self, tracked),
            (Applies::ViewsAndClicks, _)
                | (Applies::Views, Tracked::View)
                | (Applies::Clicks, Tracked::Click(_))
        )
    }
}

impl fmt::Display for Applies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Applies::Views => "views",
            Applies::Clicks => "clicks",
            Applies::ViewsAndClicks => "views and clicks",
        })
    }
}

/// One rule of the classifier. Rules are tried in the order of [`ClassifierSettings::rules`]; the first that
/// fires decides the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// A known proxy, scanner or program, recognised by its user agent and/or the network it comes from.
    KnownAgent(AgentRule),
    /// A view or click that came no later than `within_seconds` after the email was delivered (or before
    /// delivery was recorded). `0` turns the rule off.
    SoonAfterDelivery { applies_to: Applies, within_seconds: u32 },
    /// A click that is part of a burst: within some `within_millis` window around it the same recipient
    /// clicked at least `min_distinct_links` distinct links, or every tracked link of the email when it has
    /// fewer (but never fewer than two distinct links: one link clicked alone is no burst). `0` turns the rule
    /// off.
    ClickBurst { within_millis: u32, min_distinct_links: u32 },
}

impl Rule {
    /// The reason the rule gives when it fires for `event`, or `None`.
    fn fires(
        &self,
        email: &EmailContext,
        event: &EngagementEvent,
        tracked: Tracked<'_>,
        neighbours: &Neighbours<'_>,
    ) -> Option<Reason> {
        match self {
            Rule::KnownAgent(agent) => (agent.applies_to.covers(tracked)
                && agent.matches(event.user_agent.as_deref(), event.ip.as_deref()))
            .then_some(agent.reason),
            Rule::SoonAfterDelivery { applies_to, within_seconds } => {
                let window = TimeDelta::seconds(i64::from(*within_seconds));
                let soon = *within_seconds > 0
                    && applies_to.covers(tracked)
                    && email.delivered_at.is_some_and(|d| event.at.signed_duration_since(d) <= window);
                soon.then_some(Reason::SoonAfterDelivery)
            }
            Rule::ClickBurst { within_millis, min_distinct_links } => {
                let burst = *within_millis > 0
                    && matches!(tracked, Tracked::Click(_))
                    && neighbours.burst(
                        event.at,
                        TimeDelta::milliseconds(i64::from(*within_millis)),
                        burst_threshold(*min_distinct_links, email.tracked_links),
                    );
                burst.then_some(Reason::ClickBurst)
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::KnownAgent(agent) => {
                write!(
                    f,
                    "{} from {} are a machine's ({})",
                    agent.applies_to,
                    agent.name,
                    agent.reason.name()
                )
            }
            Rule::SoonAfterDelivery { applies_to, within_seconds: 0 } => {
                write!(f, "{applies_to} soon after delivery: rule off")
            }
            Rule::SoonAfterDelivery { applies_to, within_seconds } => {
                write!(f, "{applies_to} within {within_seconds} s of delivery are a machine's")
            }
            Rule::ClickBurst { within_millis: 0, .. } => f.write_str("click bursts: rule off"),
            Rule::ClickBurst { within_millis, min_distinct_links } => write!(
                f,
                "clicks on {} or more distinct links (or on every tracked link) within {within_millis} ms are a \
                 machine's",
                (*min_distinct_links).max(2)
            ),
        }
    }
}

/// The fewest distinct links a burst needs: the setting, or every tracked link when the email has fewer, and
/// never fewer than two.
fn burst_threshold(min_distinct_links: u32, tracked_links: Option<u32>) -> usize {
    let links = min_distinct_links.min(tracked_links.unwrap_or(u32::MAX)).max(2);
    usize::try_from(links).unwrap_or(usize::MAX)
}

/// A known proxy, scanner or program. It matches an event when its user-agent test (if it has one) and its
/// network test (if it has one) both pass; a rule with neither test matches nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRule {
    /// Who this is, for people reading the settings, e.g. "Apple Mail Privacy Protection".
    pub name: String,
    pub applies_to: Applies,
    /// The reason a match gives.
    pub reason: Reason,
    /// The user agent contains any of these (ASCII case ignored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_agent_contains: Vec<String>,
    /// The whole user agent, trimmed, is one of these (ASCII case ignored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_agent_is: Vec<String>,
    /// The event's IP address is in one of these networks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<IpNetwork>,
}

impl AgentRule {
    /// Whether an event with this user agent and IP address (either may be unknown) is this agent's.
    pub fn matches(&self, user_agent: Option<&str>, ip: Option<&str>) -> bool {
        let tests_agent = !self.user_agent_contains.is_empty() || !self.user_agent_is.is_empty();
        let tests_network = !self.networks.is_empty();
        if !tests_agent && !tests_network {
            return false;
        }
        let agent_ok = !tests_agent
            || user_agent.is_some_and(|ua| {
                let ua = ua.trim();
                self.user_agent_is.iter().any(|whole| whole.trim().eq_ignore_ascii_case(ua))
                    || self.user_agent_contains.iter().any(|part| contains_ignore_ascii_case(ua, part))
            });
        let network_ok = !tests_network
            || ip.and_then(parse_ip).is_some_and(|ip| self.networks.iter().any(|n| n.contains(ip)));
        agent_ok && network_ok
    }
}

/// Whether `needle` (not empty) occurs in `haystack`, ignoring ASCII case.
fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let needle = needle.as_bytes();
    !needle.is_empty()
        && haystack.as_bytes().windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle))
}

/// An event's IP address as recorded: a bare address, an address with a port, or a forwarded-for list (the
/// first entry is the client).
fn parse_ip(text: &str) -> Option<IpAddr> {
    let first = text.split(',').next()?.trim();
    IpAddr::from_str(first).ok().or_else(|| SocketAddr::from_str(first).ok().map(|s| s.ip()))
}

/// An IP network in CIDR form, e.g. `17.0.0.0/8` or `2620:149::/32`. A bare address is a network of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct IpNetwork {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    address: IpAddr,
    prefix: u8,
}

/// Why a text is not an IP network.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum NetworkError {
    #[error("\"{0}\" is not an IP network (expected something like 17.0.0.0/8 or 2620:149::/32)")]
    Syntax(String),
    #[error("/{prefix} is longer than an address of {address} has bits")]
    PrefixTooLong { address: IpAddr, prefix: u8 },
}

impl IpNetwork {
    pub fn new(address: IpAddr, prefix: u8) -> Result<IpNetwork, NetworkError> {
        let bits = if address.is_ipv4() { 32 } else { 128 };
        if prefix > bits {
            return Err(NetworkError::PrefixTooLong { address, prefix });
        }
        Ok(IpNetwork { address, prefix })
    }

    pub fn address(&self) -> IpAddr {
        self.address
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in the network. An IPv4 address written as IPv6 (`::ffff:17.1.2.3`) is its IPv4 self.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNetwork {
    type Err = NetworkError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = || NetworkError::Syntax(text.to_string());
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address = IpAddr::from_str(address.trim()).map_err(|_| syntax())?;
        let prefix = match prefix {
            Some(prefix) => prefix.trim().parse::<u8>().map_err(|_| syntax())?,
            None if address.is_ipv4() => 32,
            None => 128,
        };
        IpNetwork::new(address, prefix)
    }
}

impl TryFrom<String> for IpNetwork {
    type Error = NetworkError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<IpNetwork> for String {
    fn from(network: IpNetwork) -> String {
        network.to_string()
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// The classifier's rules, in the order they are tried. `Default` is the standard rule set:
///
/// 1. Apple Mail Privacy Protection (views): user agent exactly `Mozilla/5.0` from Apple's networks
///    (`17.0.0.0/8`, `2620:149::/32`, `2a01:b740::/32`) → [`Reason::PrivacyProxy`].
/// 2. Gmail image proxy (views): user agent contains `GoogleImageProxy` or `ggpht.com` → [`Reason::ImageProxy`].
///    Gmail fetches through its proxy when a message is displayed as well as ahead of time, so a deployment
///    that prefers to count those views as people's can remove this rule.
/// 3. Yahoo and AOL image proxy (views): `YahooMailProxy` → [`Reason::ImageProxy`].
/// 4. Microsoft link preview (views and clicks): `BingPreview` → [`Reason::SecurityScanner`].
/// 5. Microsoft Exchange Online Protection (views and clicks): its published mail networks
///    (`40.92.0.0/15`, `40.107.0.0/16`, `52.100.0.0/14`, `104.47.0.0/17`, `2a01:111:f400::/48`,
///    `2a01:111:f403::/48`) → [`Reason::SecurityScanner`].
/// 6. Security gateways (views and clicks): `Barracuda`, `Mimecast`, `Proofpoint`, `urldefense` →
///    [`Reason::SecurityScanner`].
/// 7. Scripts, headless browsers and bots (views and clicks): `python-requests`, `python-urllib`, `curl/`,
///    `Wget/`, `Go-http-client`, `Java/`, `okhttp`, `libwww-perl`, `Apache-HttpClient`, `node-fetch`,
///    `axios/`, `HeadlessChrome`, `PhantomJS`, `bot/`, `bot;`, `bot)`, `crawler`, `spider`,
///    `facebookexternalhit`, `Slackbot`, `TelegramBot` → [`Reason::AutomatedClient`].
/// 8. Views within 5 s of delivery → [`Reason::SoonAfterDelivery`] (a person rarely opens a message that
///    fast; proxies and gateways do it as it lands).
/// 9. Clicks within 10 s of delivery → [`Reason::SoonAfterDelivery`] (reading and then clicking takes
///    longer; link scanners follow links as the message lands).
/// 10. Click bursts: 3 or more distinct links (or every tracked link of an email with 2) within 2 s →
///     [`Reason::ClickBurst`].
///
/// An event with no user agent or IP address is not judged by the agent rules: unknown is not a machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ClassifierSettings {
    pub rules: Vec<Rule>,
}

/// The standard "views soon after delivery" window, in seconds.
pub const DEFAULT_VIEW_WITHIN_SECONDS: u32 = 5;
/// The standard "clicks soon after delivery" window, in seconds.
pub const DEFAULT_CLICK_WITHIN_SECONDS: u32 = 10;
/// The standard click-burst window, in milliseconds.
pub const DEFAULT_BURST_WITHIN_MILLIS: u32 = 2_000;
/// The standard number of distinct links that makes a burst.
pub const DEFAULT_BURST_MIN_DISTINCT_LINKS: u32 = 3;

impl Default for ClassifierSettings {
    fn default() -> Self {
        fn texts(items: &[&str]) -> Vec<String> {
            items.iter().map(|s| s.to_string()).collect()
        }
        fn networks(items: &[&str]) -> Vec<IpNetwork> {
            items.iter().filter_map(|s| s.parse().ok()).collect()
        }
        fn agent(name: &str, applies_to: Applies, reason: Reason) -> AgentRule {
            AgentRule {
                name: name.to_string(),
                applies_to,
                reason,
                user_agent_contains: Vec::new(),
                user_agent_is: Vec::new(),
                networks: Vec::new(),
            }
        }
        let both = Applies::ViewsAndClicks;
        ClassifierSettings {
            rules: vec![
                Rule::KnownAgent(AgentRule {
                    user_agent_is: texts(&["Mozilla/5.0"]),
                    networks: networks(&["17.0.0.0/8", "2620:149::/32", "2a01:b740::/32"]),
                    ..agent("Apple Mail Privacy Protection", Applies::Views, Reason::PrivacyProxy)
                }),
                Rule::KnownAgent(AgentRule {
                    user_agent_contains: texts(&["GoogleImageProxy", "ggpht.com"]),
                    ..agent("Gmail image proxy", Applies::Views, Reason::ImageProxy)
                }),
                Rule::KnownAgent(AgentRule {
                    user_agent_contains: texts(&["YahooMailProxy"]),
                    ..agent("Yahoo and AOL image proxy", Applies::Views, Reason::ImageProxy)
                }),
                Rule::KnownAgent(AgentRule {
                    user_agent_contains: texts(&["BingPreview"]),
                    ..agent("Microsoft link preview", both, Reason::SecurityScanner)
                }),
                Rule::KnownAgent(AgentRule {
                    networks: networks(&[
                        "40.92.0.0/15",
                        "40.107.0.0/16",
                        "52.100.0.0/14",
                        "104.47.0.0/17",
                        "2a01:111:f400::/48",
                        "2a01:111:f403::/48",
                    ]),
                    ..agent("Microsoft Exchange Online Protection", both, Reason::SecurityScanner)
                }),
                Rule::KnownAgent(AgentRule {
                    user_agent_contains: texts(&["Barracuda", "Mimecast", "Proofpoint", "urldefense"]),
                    ..agent("Security gateways", both, Reason::SecurityScanner)
                }),
                Rule::KnownAgent(AgentRule {
                    user_agent_contains: texts(&[
                        "python-requests",
                        "python-urllib",
                        "curl/",
                        "Wget/",
                        "Go-http-client",
                        "Java/",
                        "okhttp",
                        "libwww-perl",
                        "Apache-HttpClient",
                        "node-fetch",
                        "axios/",
                        "HeadlessChrome",
                        "PhantomJS",
                        "bot/",
                        "bot;",
                        "bot)",
                        "crawler",
                        "spider",
                        "facebookexternalhit",
                        "Slackbot",
                        "TelegramBot",
                    ]),
                    ..agent("Scripts, headless browsers and bots", both, Reason::AutomatedClient)
                }),
                Rule::SoonAfterDelivery {
                    applies_to: Applies::Views,
                    within_seconds: DEFAULT_VIEW_WITHIN_SECONDS,
                },
                Rule::SoonAfterDelivery {
                    applies_to: Applies::Clicks,
                    within_seconds: DEFAULT_CLICK_WITHIN_SECONDS,
                },
                Rule::ClickBurst {
                    within_millis: DEFAULT_BURST_WITHIN_MILLIS,
                    min_distinct_links: DEFAULT_BURST_MIN_DISTINCT_LINKS,
                },
            ],
        }
    }
}

impl ClassifierSettings {
    /// No rules at all: every view and click is a person's.
    pub fn none() -> ClassifierSettings {
        ClassifierSettings { rules: Vec::new() }
    }

    /// Sets the window of every "soon after delivery" rule for `applies_to` (`0` turns it off), adding the
    /// rule at the end when there is none.
    pub fn with_soon_after_delivery(
        mut self,
        applies_to: Applies,
        within_seconds: u32,
    ) -> ClassifierSettings {
        let mut found = false;
        for rule in &mut self.rules {
            if let Rule::SoonAfterDelivery { applies_to: a, within_seconds: w } = rule
                && *a == applies_to
            {
                *w = within_seconds;
                found = true;
            }
        }
        if !found {
            self.rules.push(Rule::SoonAfterDelivery { applies_to, within_seconds });
        }
        self
    }

    /// Sets every click-burst rule (`within_millis` `0` turns it off), adding one at the end when there is
    /// none.
    pub fn with_click_burst(mut self, within_millis: u32, min_distinct_links: u32) -> ClassifierSettings {
        let mut found = false;
        for rule in &mut self.rules {
            if let Rule::ClickBurst { within_millis: w, min_distinct_links: n } = rule {
                (*w, *n) = (within_millis, min_distinct_links);
                found = true;
            }
        }
        if !found {
            self.rules.push(Rule::ClickBurst { within_millis, min_distinct_links });
        }
        self
    }

    /// How far apart in time two clicks can be and still affect each other's verdict (the widest burst
    /// window). Zero when no burst rule is on.
    pub fn burst_reach(&self) -> TimeDelta {
        let millis = self
            .rules
            .iter()
            .filter_map(|r| match r {
                Rule::ClickBurst { within_millis, .. } => Some(*within_millis),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        TimeDelta::milliseconds(i64::from(millis))
    }
}

/// What the classifier knows about the email an event belongs to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailContext {
    /// When the receiving server accepted the email, if it has been delivered.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub delivered_at: Option<Instant>,
    /// How many distinct tracked links the email has, when known.
    #[serde(default)]
    pub tracked_links: Option<u32>,
}

impl EmailContext {
    /// The context of `email`: its delivery instant and the distinct http(s) links of its HTML body
    /// (unknown when the email carries no HTML body).
    pub fn of(email: &Email) -> EmailContext {
        EmailContext { delivered_at: email.delivered_at, tracked_links: tracked_link_count(&email.html_body) }
    }
}

/// The number of distinct addresses the tracked links of an HTML body lead to ([`crate::link`]): the links
/// the sender rewrites for click tracking. `None` for an empty body (the body is not known).
pub fn tracked_link_count(html: &str) -> Option<u32> {
    if html.trim().is_empty() {
        return None;
    }
    Some(u32::try_from(crate::link::tracked_links(html).len()).unwrap_or(u32::MAX))
}

/// A view or a click: the events the classifier judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tracked<'a> {
    View,
    Click(&'a str),
}

impl<'a> Tracked<'a> {
    pub(crate) fn of(kind: &'a EventKind) -> Option<Tracked<'a>> {
        match kind {
            EventKind::Viewed => Some(Tracked::View),
            EventKind::Clicked { url } => Some(Tracked::Click(url)),
            _ => None,
        }
    }
}

/// What judging one recipient's event needs to know about that recipient's other events of the same email.
#[derive(Clone, Debug, Default)]
pub(crate) struct Neighbours<'a> {
    /// Every click (the judged one included), by instant.
    clicks: Vec<(Instant, &'a str)>,
    /// The earliest view.
    first_view: Option<Instant>,
}

impl<'a> Neighbours<'a> {
    /// Gathers one recipient's events of one email (the caller picks them).
    pub(crate) fn gather(events: impl IntoIterator<Item = &'a EngagementEvent>) -> Neighbours<'a> {
        let mut neighbours = Neighbours::default();
        for event in events {
            match Tracked::of(&event.kind) {
                Some(Tracked::Click(url)) => neighbours.clicks.push((event.at, url)),
                Some(Tracked::View) => {
                    neighbours.first_view = Some(neighbours.first_view.map_or(event.at, |v| v.min(event.at)))
                }
                None => {}
            }
        }
        neighbours.clicks.sort_unstable();
        neighbours
    }

    /// Whether some window of length `window` that contains `at` holds clicks on `threshold` or more distinct
    /// links. Only windows starting at a click need checking: any window can slide forward to its first click.
    fn burst(&self, at: Instant, window: TimeDelta, threshold: usize) -> bool {
        let lo = self.clicks.partition_point(|(t, _)| at.signed_duration_since(*t) > window);
        let hi = self.clicks.partition_point(|(t, _)| t.signed_duration_since(at) <= window);
        let near = self.clicks.get(lo..hi).unwrap_or_default();
        let mut links: Vec<&str> = Vec::new();
        for (i, &(start, _)) in near.iter().enumerate() {
            if start > at {
                break;
            }
            links.clear();
            for &(t, url) in near.get(i..).unwrap_or_default() {
                if t.signed_duration_since(start) > window {
                    break;
                }
                if !links.contains(&url) {
                    links.push(url);
                    if links.len() >= threshold {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// Judges `event` with the recipient's `neighbours` (which must include the event itself).
pub(crate) fn judge(
    settings: &ClassifierSettings,
    email: &EmailContext,
    event: &EngagementEvent,
    neighbours: &Neighbours<'_>,
) -> Option<Verdict> {
    let tracked = Tracked::of(&event.kind)?;
    let fired = settings.rules.iter().find_map(|rule| rule.fires(email, event, tracked, neighbours));
    let reason = fired.unwrap_or(match tracked {
        Tracked::Click(_) if neighbours.first_view.is_none_or(|v| v > event.at) => Reason::ClickWithoutView,
        _ => Reason::NoMachineSign,
    });
    Some(Verdict::new(reason))
}

/// Judges one view or click; `None` for any other kind of event (replies, bounces… are not classified).
///
/// `others` are the email's other recorded events (those of other emails and other recipients are skipped,
/// and so is `event` itself if it is among them). They matter for clicks only: a burst looks at the same
/// recipient's clicks shortly before *and after* the event, and "no view before the click" at their views.
/// So a click's verdict can change when later clicks arrive: [`crate::aggregate`] re-judges them.
pub fn classify(
    settings: &ClassifierSettings,
    email: &EmailContext,
    others: &[EngagementEvent],
    event: &EngagementEvent,
) -> Option<Verdict> {
    Tracked::of(&event.kind)?;
    let same =
        |o: &&EngagementEvent| o.id != event.id && o.email == event.email && o.recipient == event.recipient;
    let neighbours = Neighbours::gather(others.iter().filter(same).chain(std::iter::once(event)));
    judge(settings, email, event, &neighbours)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engagement::{Bounce, BounceReason};
    use crate::ids::{EmailId, EventId};
    use crate::people::EmailAddress;
    use chrono::TimeZone;

    pub(crate) const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like \
                                     Gecko) Chrome/126.0.0.0 Safari/537.36";

    /// The instant the test email is delivered.
    pub(crate) fn delivered() -> Instant {
        chrono::Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().expect("valid instant")
    }

    /// `millis` after delivery.
    pub(crate) fn after(millis: i64) -> Instant {
        delivered() + TimeDelta::milliseconds(millis)
    }

    pub(crate) fn event(n: u128, kind: EventKind, at: Instant) -> EngagementEvent {
        EngagementEvent {
            id: EventId::from_u128(n),
            email: EmailId::from_u128(1),
            recipient: EmailAddress::parse("ana@acme.com").expect("valid address"),
            at,
            kind,
            ip: Some("203.0.113.7".into()),
            user_agent: Some(CHROME.into()),
            verdict: None,
        }
    }

    pub(crate) fn view(n: u128, at: Instant) -> EngagementEvent {
        event(n, EventKind::Viewed, at)
    }

    pub(crate) fn click(n: u128, url: &str, at: Instant) -> EngagementEvent {
        event(n, EventKind::Clicked { url: url.into() }, at)
    }

    fn from(mut e: EngagementEvent, user_agent: Option<&str>, ip: Option<&str>) -> EngagementEvent {
        e.user_agent = user_agent.map(str::to_string);
        e.ip = ip.map(str::to_string);
        e
    }

    fn context(links: Option<u32>) -> EmailContext {
        EmailContext { delivered_at: Some(delivered()), tracked_links: links }
    }

    fn judged(others: &[EngagementEvent], e: &EngagementEvent) -> Verdict {
        judged_with(&ClassifierSettings::default(), context(Some(5)), others, e)
    }

    fn judged_with(
        settings: &ClassifierSettings,
        email: EmailContext,
        others: &[EngagementEvent],
        e: &EngagementEvent,
    ) -> Verdict {
        classify(settings, &email, others, e).expect("views and clicks get a verdict")
    }

    const HOUR: i64 = 3_600_000;
    const MINUTE: i64 = 60_000;

    #[test]
    fn apple_mail_privacy_protection_is_a_machine_view() {
        let mpp = from(view(1, after(HOUR)), Some("Mozilla/5.0"), Some("17.58.101.7"));
        assert_eq!(judged(&[], &mpp), Verdict { human: false, reason: Reason::PrivacyProxy });
        let v6 = from(view(2, after(HOUR)), Some(" mozilla/5.0 "), Some("2620:149:a:1::5"));
        assert_eq!(judged(&[], &v6).reason, Reason::PrivacyProxy);
        let mapped = from(view(3, after(HOUR)), Some("Mozilla/5.0"), Some("::ffff:17.1.2.3"));
        assert_eq!(judged(&[], &mapped).reason, Reason::PrivacyProxy);
    }

    #[test]
    fn apple_needs_both_the_bare_user_agent_and_an_apple_network() {
        let elsewhere = from(view(1, after(HOUR)), Some("Mozilla/5.0"), Some("172.16.0.1"));
        assert!(judged(&[], &elsewhere).human, "a bare Mozilla/5.0 outside Apple's networks is not enough");
        let safari =
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)";
        let at_apple = from(view(2, after(HOUR)), Some(safari), Some("17.58.101.7"));
        assert!(judged(&[], &at_apple).human, "someone at Apple reading the email is a person");
        let unknown = from(view(3, after(HOUR)), None, None);
        assert_eq!(judged(&[], &unknown), Verdict::new(Reason::NoMachineSign), "unknown is not a machine");
    }

    #[test]
    fn mail_provider_image_proxies_are_machine_views() {
        let gmail =
            "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
        let yahoo = "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html";
        for ua in [gmail, yahoo] {
            let v = from(view(1, after(HOUR)), Some(ua), Some("66.249.84.1"));
            assert_eq!(judged(&[], &v), Verdict { human: false, reason: Reason::ImageProxy }, "{ua}");
        }
        let proxied_click = from(click(2, "https://a", after(HOUR)), Some(gmail), None);
        assert!(judged(&[], &proxied_click).human, "image proxy rules cover views only");
    }

    #[test]
    fn security_gateways_link_scanners_and_programs_are_machines() {
        let scanners = [
            ("Barracuda Sentinel (EE)", None, Reason::SecurityScanner),
            ("Mozilla/5.0 Mimecast URL Protect", None, Reason::SecurityScanner),
            ("Proofpoint URL Defense", None, Reason::SecurityScanner),
            ("Mozilla/5.0 (compatible; BingPreview/1.0b)", None, Reason::SecurityScanner),
            (CHROME, Some("40.107.22.9"), Reason::SecurityScanner),
            (CHROME, Some("2a01:111:f403:c201::1"), Reason::SecurityScanner),
            ("python-requests/2.31.0", None, Reason::AutomatedClient),
            ("curl/8.5.0", None, Reason::AutomatedClient),
            (
                "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0 Safari/537.36",
                None,
                Reason::AutomatedClient,
            ),
            (
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                None,
                Reason::AutomatedClient,
            ),
            ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", None, Reason::AutomatedClient),
        ];
        for (i, (ua, ip, reason)) in scanners.into_iter().enumerate() {
            let n = i as u128 * 2;
            let c = from(click(n, "https://a", after(HOUR)), Some(ua), ip);
            assert_eq!(judged(&[], &c), Verdict { human: false, reason }, "click by {ua}");
            let v = from(view(n + 1, after(HOUR)), Some(ua), ip);
            assert_eq!(judged(&[], &v), Verdict { human: false, reason }, "view by {ua}");
        }
    }

    #[test]
    fn a_view_or_click_seconds_after_delivery_is_a_machine() {
        let fast_view = view(1, after(4_000));
        assert_eq!(judged(&[], &fast_view), Verdict { human: false, reason: Reason::SoonAfterDelivery });
        assert!(judged(&[], &view(2, after(6_000))).human, "5 s is the standard window for views");
        let fast_click = click(3, "https://a", after(9_000));
        assert_eq!(judged(&[], &fast_click).reason, Reason::SoonAfterDelivery);
        assert!(judged(&[], &click(4, "https://a", after(11_000))).human, "10 s is the window for clicks");
        let before = click(5, "https://a", after(-3_000));
        assert_eq!(judged(&[], &before).reason, Reason::SoonAfterDelivery, "before delivery was recorded");
        let undelivered = EmailContext { delivered_at: None, tracked_links: None };
        let settings = ClassifierSettings::default();
        assert!(judged_with(&settings, undelivered, &[], &fast_click).human, "no delivery instant, no rule");
    }

    #[test]
    fn a_zero_window_turns_the_soon_after_delivery_rule_off() {
        let settings = ClassifierSettings::default()
            .with_soon_after_delivery(Applies::Views, 0)
            .with_soon_after_delivery(Applies::Clicks, 0);
        let email = context(Some(5));
        assert!(judged_with(&settings, email, &[], &view(1, after(0))).human);
        assert!(judged_with(&settings, email, &[], &click(2, "https://a", after(1_000))).human);
        let wider = ClassifierSettings::default().with_soon_after_delivery(Applies::Clicks, 60);
        let c = click(3, "https://a", after(30_000));
        assert_eq!(judged_with(&wider, email, &[], &c).reason, Reason::SoonAfterDelivery);
    }

    #[test]
    fn a_scanner_clicking_every_link_within_a_second_is_a_machine() {
        let links = ["https://a", "https://b", "https://c", "https://d", "https://e"];
        let clicks: Vec<_> = links
            .iter()
            .enumerate()
            .map(|(i, url)| click(i as u128, url, after(HOUR + i as i64 * 200)))
            .collect();
        for c in &clicks {
            assert_eq!(judged(&clicks, c), Verdict { human: false, reason: Reason::ClickBurst }, "{c:?}");
        }
    }

    #[test]
    fn a_burst_needs_enough_distinct_links() {
        let two = [click(1, "https://a", after(HOUR)), click(2, "https://b", after(HOUR + 500))];
        assert!(judged(&two, &two[0]).human, "two of five links in a moment is not a burst");
        let email = context(Some(2));
        let settings = ClassifierSettings::default();
        assert_eq!(judged_with(&settings, email, &two, &two[0]).reason, Reason::ClickBurst, "every link");
        let same = [click(1, "https://a", after(HOUR)), click(2, "https://a", after(HOUR + 100))];
        assert!(judged_with(&settings, email, &same, &same[1]).human, "one link twice is no burst");
        let single = context(Some(1));
        assert!(judged_with(&settings, single, &two[..1], &two[0]).human, "one link alone is no burst");
        let spread = [
            click(1, "https://a", after(HOUR)),
            click(2, "https://b", after(HOUR + 1_500)),
            click(3, "https://c", after(HOUR + 3_000)),
        ];
        assert!(judged(&spread, &spread[1]).human, "three links over 3 s is slower than a scanner");
        let off = ClassifierSettings::default().with_click_burst(0, 3);
        let fast = [
            click(1, "https://a", after(HOUR)),
            click(2, "https://b", after(HOUR + 10)),
            click(3, "https://c", after(HOUR + 20)),
        ];
        assert!(judged_with(&off, context(Some(5)), &fast, &fast[0]).human, "a zero window turns it off");
    }

    #[test]
    fn another_recipients_clicks_do_not_make_a_burst() {
        let mut bo = click(2, "https://b", after(HOUR + 100));
        bo.recipient = EmailAddress::parse("bo@acme.com").expect("valid address");
        let mut other_email = click(3, "https://c", after(HOUR + 200));
        other_email.email = EmailId::from_u128(2);
        let mine = click(1, "https://a", after(HOUR));
        let others = [mine.clone(), bo, other_email, click(4, "https://d", after(HOUR + 300))];
        assert!(judged(&others, &mine).human);
    }

    #[test]
    fn a_person_clicking_one_link_ten_minutes_later_is_human() {
        let v = view(1, after(9 * MINUTE));
        let c = click(2, "https://a", after(10 * MINUTE));
        assert_eq!(
            judged(std::slice::from_ref(&v), &c),
            Verdict { human: true, reason: Reason::NoMachineSign }
        );
        assert_eq!(
            judged(std::slice::from_ref(&c), &v),
            Verdict { human: true, reason: Reason::NoMachineSign }
        );
    }

    #[test]
    fn a_click_with_no_view_is_still_human() {
        let c = click(1, "https://a", after(10 * MINUTE));
        assert_eq!(judged(&[], &c), Verdict { human: true, reason: Reason::ClickWithoutView });
        let later_view = view(2, after(11 * MINUTE));
        assert_eq!(judged(&[later_view], &c).reason, Reason::ClickWithoutView, "the view came after");
        let machine_view = from(view(3, after(2 * MINUTE)), Some("Mozilla/5.0"), Some("17.1.1.1"));
        assert_eq!(judged(&[machine_view], &c).reason, Reason::NoMachineSign, "images did load");
    }

    #[test]
    fn replies_bounces_and_complaints_are_not_classified() {
        let settings = ClassifierSettings::default();
        let bounce = Bounce {
            status: "5.1.1".into(),
            smtp_code: Some(550),
            reason: BounceReason::UserUnknown,
            diagnostic: String::new(),
        };
        for kind in [
            EventKind::Replied { text: None },
            EventKind::AutoReplied,
            EventKind::Bounced(bounce.clone()),
            EventKind::Delayed(bounce),
            EventKind::Complained { feedback_type: "abuse".into() },
        ] {
            let e = from(event(1, kind, after(0)), Some("curl/8"), None);
            assert_eq!(classify(&settings, &context(None), &[], &e), None);
        }
    }

    #[test]
    fn the_first_rule_that_fires_gives_the_reason() {
        let c = from(click(1, "https://a", after(1_000)), Some("curl/8.5.0"), None);
        assert_eq!(judged(&[], &c).reason, Reason::AutomatedClient);
        let mut reordered = ClassifierSettings::default();
        reordered.rules.rotate_right(3);
        assert_eq!(judged_with(&reordered, context(Some(5)), &[], &c).reason, Reason::SoonAfterDelivery);
        let nothing = ClassifierSettings::none();
        assert!(judged_with(&nothing, context(Some(5)), &[], &c).human, "no rules, no machines");
    }

    #[test]
    fn the_rule_set_is_data_that_round_trips() {
        let settings = ClassifierSettings::default();
        let json = serde_json::to_string_pretty(&settings).expect("serialises");
        for word in [
            "\"known_agent\"",
            "\"soon_after_delivery\"",
            "\"click_burst\"",
            "17.0.0.0/8",
            "\"within_seconds\": 10",
        ] {
            assert!(json.contains(word), "{word} in {json}");
        }
        let back: ClassifierSettings = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, settings);
        let missing: ClassifierSettings = serde_json::from_str("{}").expect("deserialises");
        assert_eq!(missing, settings, "a deployment that sets nothing gets the standard rules");
        let custom: ClassifierSettings = serde_json::from_str(
            r#"{"rules": [{"rule": "soon_after_delivery", "applies_to": "clicks", "within_seconds": 30}]}"#,
        )
        .expect("deserialises");
        assert_eq!(custom.rules.len(), 1);
        assert_eq!(custom.rules[0].to_string(), "clicks within 30 s of delivery are a machine's");
        let bad = r#"{"rules": [{"rule": "known_agent", "name": "x", "applies_to": "views",
                      "reason": "image_proxy", "networks": ["17.0.0.0/33"]}]}"#;
        assert!(serde_json::from_str::<ClassifierSettings>(bad).is_err(), "a bad network is refused");
        let network_counts: Vec<usize> = settings
            .rules
            .iter()
            .filter_map(|r| match r {
                Rule::KnownAgent(agent) if !agent.networks.is_empty() => Some(agent.networks.len()),
                _ => None,
            })
            .collect();
        assert_eq!(network_counts, vec![3, 6], "every standard network is written correctly");
        for rule in &settings.rules {
            assert!(!rule.to_string().is_empty());
        }
    }

    #[test]
    fn reasons_have_stable_names_and_sentences() {
        for reason in Reason::ALL {
            let json = serde_json::to_string(&reason).expect("serialises");
            assert_eq!(json, format!("\"{}\"", reason.name()));
            assert_eq!(Reason::from_name(reason.name()), Some(reason));
            assert!(reason.to_string().len() > 10);
        }
        let v = Verdict::new(Reason::ClickWithoutView);
        assert!(v.human);
        assert!(v.to_string().starts_with("a person: a click with no view"));
        assert!(!Verdict::new(Reason::ClickBurst).human);
        let json = serde_json::to_string(&Verdict::new(Reason::PrivacyProxy)).expect("serialises");
        assert_eq!(json, r#"{"human":false,"reason":"privacy_proxy"}"#);
    }

    #[test]
    fn ip_networks_parse_print_and_match() {
        let apple: IpNetwork = "17.0.0.0/8".parse().expect("network");
        assert!(apple.contains("17.255.1.2".parse().expect("ip")));
        assert!(!apple.contains("172.16.0.1".parse().expect("ip")));
        assert_eq!(apple.to_string(), "17.0.0.0/8");
        let one: IpNetwork = "203.0.113.7".parse().expect("network");
        assert_eq!(one.prefix(), 32);
        let everything: IpNetwork = "0.0.0.0/0".parse().expect("network");
        assert!(everything.contains("8.8.8.8".parse().expect("ip")));
        assert!(!everything.contains("::1".parse().expect("ip")), "IPv4 networks hold no IPv6 addresses");
        assert!(matches!("17.0.0.0/33".parse::<IpNetwork>(), Err(NetworkError::PrefixTooLong { .. })));
        assert!(matches!("seventeen/8".parse::<IpNetwork>(), Err(NetworkError::Syntax(_))));
        assert!(matches!("17.0.0.0/x".parse::<IpNetwork>(), Err(NetworkError::Syntax(_))));
        assert_eq!(parse_ip("17.1.2.3:443"), "17.1.2.3".parse().ok());
        assert_eq!(parse_ip("[2620:149::1]:443"), "2620:149::1".parse().ok());
        assert_eq!(parse_ip("17.1.2.3, 10.0.0.1"), "17.1.2.3".parse().ok());
        assert_eq!(parse_ip("not an ip"), None);
    }

    #[test]
    fn tracked_links_are_counted_from_the_html_body() {
        let html = r##"<p><a href="https://x.com/a">A</a> <A HREF='https://x.com/b'>B</A>
            <a href = https://x.com/a>again</a> <a href="mailto:me@x.com">mail</a> <a href="#top">top</a>
            <a href="HTTP://x.com/c">C</a> <a href></a> <a href="https://x.com/é">é</a>
            <link href="https://x.com/style.css">"##;
        assert_eq!(tracked_link_count(html), Some(4));
        assert_eq!(tracked_link_count("<p>no links</p>"), Some(0));
        assert_eq!(tracked_link_count("  "), None);
        assert_eq!(
            tracked_link_count("<a href=\"https://x.com/open"),
            Some(0),
            "a tag the body ends in is no link"
        );
    }
}
