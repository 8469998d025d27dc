// The ops console's embedded files and the request rules of web_console.hpp.
#include "gateway/control/web_console.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace riskgate::control {
namespace {

TEST(ConsoleAssets, EveryFileThePageLoadsIsEmbeddedAndComesFromItsOwnOrigin) {
  const ConsoleAsset* page = find_console_asset("/");
  ASSERT_NE(page, nullptr);
  const std::string html(page->body);
  const std::regex ref(R"re((?:src|href)="([^"]*)")re");
  int refs = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator();
       ++it) {
    const std::string url = (*it)[1];
    ++refs;
    // Relative to "/": no scheme, no host, nothing from the network.
    EXPECT_EQ(url.find(':'), std::string::npos) << url;
    EXPECT_NE(find_console_asset("/" + url), nullptr) << url << " is not embedded";
  }
  EXPECT_GE(refs, 3);  // The script, the style sheet, the icon.
}

TEST(ConsoleAssets, ThePageHasNoInlineScriptOrStyleForTheCspToBlock) {
  const std::string html(find_console_asset("/")->body);
  const std::regex script_tag(R"(<script\b[^>]*>)");
  int scripts = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), script_tag);
       it != std::sregex_iterator(); ++it) {
    ++scripts;
    EXPECT_NE(it->str().find("src="), std::string::npos) << it->str();
  }
  EXPECT_EQ(scripts, 1);
  EXPECT_EQ(html.find("<style"), std::string::npos);
  EXPECT_EQ(html.find("style=\""), std::string::npos);
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(\son[a-z]+=)")));  // No onclick= handlers.
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
