// The ops console's embedded files and the request rules of web_console.hpp.
#include "gateway/control/web_console.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace riskgate::control {
namespace {

// Plain scans instead of <regex>: GCC 12 warns inside libstdc++'s regex under
// ASan (-Wmaybe-uninitialized), and warnings are errors.

// The values of every src="..." and href="..." attribute of `html`.
std::vector<std::string> referenced_urls(const std::string& html) {
  std::vector<std::string> out;
  for (const std::string attr : {"src=\"", "href=\""}) {
    for (auto at = html.find(attr); at != std::string::npos; at = html.find(attr, at + 1)) {
      if (at == 0 || std::isspace(static_cast<unsigned char>(html[at - 1])) == 0) continue;
      const auto begin = at + attr.size();
      out.push_back(html.substr(begin, html.find('"', begin) - begin));
    }
  }
  return out;
}

// Each <script ...> opening tag of `html`, whole.
std::vector<std::string> script_tags(const std::string& html) {
  std::vector<std::string> out;
  for (auto at = html.find("<script"); at != std::string::npos; at = html.find("<script", at + 1)) {
    const char next = at + 7 < html.size() ? html[at + 7] : '\0';
    if (next != '>' && std::isspace(static_cast<unsigned char>(next)) == 0) continue;
    out.push_back(html.substr(at, html.find('>', at) - at + 1));
  }
  return out;
}

// True if some attribute is an inline event handler: whitespace, "on", a
// lower-case name, "=" (onclick=, onload=...).
bool has_inline_handler(const std::string& html) {
  for (auto at = html.find("on"); at != std::string::npos; at = html.find("on", at + 1)) {
    if (at == 0 || std::isspace(static_cast<unsigned char>(html[at - 1])) == 0) continue;
    auto i = at + 2;
    while (i < html.size() && html[i] >= 'a' && html[i] <= 'z') ++i;
    if (i > at + 2 && i < html.size() && html[i] == '=') return true;
  }
  return false;
}

TEST(ConsoleAssets, EveryFileThePageLoadsIsEmbeddedAndComesFromItsOwnOrigin) {
  const ConsoleAsset* page = find_console_asset("/");
  ASSERT_NE(page, nullptr);
  const std::string html(page->body);
  int refs = 0;
  for (const std::string& url : referenced_urls(html)) {
    ++refs;
    // Relative to "/": no scheme, no host, nothing from the network.
    EXPECT_EQ(url.find(':'), std::string::npos) << url;
    EXPECT_NE(find_console_asset("/" + url), nullptr) << url << " is not embedded";
  }
  EXPECT_GE(refs, 3);  // The script, the style sheet, the icon.
}

TEST(ConsoleAssets, ThePageHasNoInlineScriptOrStyleForTheCspToBlock) {
  const std::string html(find_console_asset("/")->body);
  int scripts = 0;
  for (const std::string& tag : script_tags(html)) {
    ++scripts;
    EXPECT_NE(tag.find("src="), std::string::npos) << tag;
  }
  EXPECT_EQ(scripts, 1);
  EXPECT_EQ(html.find("<style"), std::string::npos);
  EXPECT_EQ(html.find("style=\""), std::string::npos);
  EXPECT_FALSE(has_inline_handler(html));                  // No onclick= handlers.
  EXPECT_TRUE(has_inline_handler("<a onclick=\"x()\">"));  // The scan itself finds one.
}

TEST(ConsoleAssets, TheScriptKeepsTheTokenOutOfStorageCookiesAndUrls) {
  const ConsoleAsset* js = find_console_asset("/console/console.js");
  ASSERT_NE(js, nullptr);
  const std::string text(js->body);
  for (const char* banned : {"localStorage", "sessionStorage", "document.cookie", "innerHTML",
                             "eval(", "new Function", "indexedDB"}) {
    EXPECT_EQ(text.find(banned), std::string::npos) << banned;
  }
  EXPECT_NE(text.find("'Bearer ' + token"), std::string::npos);
}

TEST(ConsoleAssets, EachFileHasTheContentTypeOfItsExtension) {
  for (const ConsoleAsset& a : console_assets()) {
    EXPECT_FALSE(a.body.empty()) << a.path;
    if (a.path == "/") {
      EXPECT_EQ(a.content_type, "text/html; charset=utf-8");
    } else if (a.path.ends_with(".js")) {
      EXPECT_EQ(a.content_type, "text/javascript; charset=utf-8");
    } else if (a.path.ends_with(".css")) {
      EXPECT_EQ(a.content_type, "text/css; charset=utf-8");
    } else if (a.path.ends_with(".svg")) {
      EXPECT_EQ(a.content_type, "image/svg+xml");
    } else {
      ADD_FAILURE() << "unexpected asset " << a.path;
    }
  }
  EXPECT_EQ(find_console_asset("/console/missing.js"), nullptr);
}

TEST(StateChange, OnlyJsonFromTheConsolesOwnOriginOrFromNoBrowserPasses) {
  EXPECT_FALSE(check_state_change("application/json", "", "127.0.0.1:8081"));
  EXPECT_FALSE(check_state_change("application/json; charset=UTF-8", "http://127.0.0.1:8081",
                                  "127.0.0.1:8081"));
  EXPECT_FALSE(check_state_change(" APPLICATION/JSON ", "HTTP://LOCALHOST:8081", "localhost:8081"));
  const auto form = check_state_change("application/x-www-form-urlencoded", "", "h:1");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415u);
  ASSERT_TRUE(check_state_change("", "", "h:1"));
  EXPECT_EQ(check_state_change("application/jsonp", "", "h:1")->status, 415u);
  const auto cross = check_state_change("application/json", "http://evil.example", "h:1");
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->status, 403u);
  EXPECT_NE(cross->why.find("http://evil.example"), std::string::npos);
  EXPECT_EQ(check_state_change("application/json", "null", "h:1")->status, 403u);
  // No Host to compare with: an Origin cannot be the console's.
  EXPECT_EQ(check_state_change("application/json", "http://h:1", "")->status, 403u);
}

TEST(StateChange, BehindATlsProxyTheHttpsOriginOfTheSameHostPassesAndNoOtherHost) {
  EXPECT_FALSE(
      check_state_change("application/json", "https://ops.example:443", "ops.example:443"));
  EXPECT_EQ(check_state_change("application/json", "https://evil.example", "ops.example")->status,
            403u);
  EXPECT_EQ(check_state_change("application/json", "ftp://ops.example", "ops.example")->status,
            403u);
}

}  // namespace
}  // namespace riskgate::control
