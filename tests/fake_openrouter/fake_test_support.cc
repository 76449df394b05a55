#include "tests/fake_openrouter/fake_test_support.h"
#include "tests/source_dir.h"

#include <fstream>
#include <sstream>
#include <utility>

namespace flowhost::fake_openrouter {

using Json = nlohmann::json;

std::vector<SseItem> SplitSse(std::string_view body) {
  std::vector<SseItem> items;
  std::string data;
  bool has_data = false;
  while (!body.empty()) {
    size_t lf = body.find('\n');
    std::string_view line = body.substr(0, lf);
    body = lf == std::string_view::npos ? std::string_view() : body.substr(lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (has_data) items.push_back({false, std::move(data)});
      data.clear();
      has_data = false;
    } else if (line.front() == ':') {
      std::string_view text = line.substr(1);
      if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
      items.push_back({true, std::string(text)});
    } else if (line.substr(0, 5) == "data:") {
      std::string_view text = line.substr(5);
      if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
      if (has_data) data.push_back('\n');
      data.append(text);
      has_data = true;
    }
  }
  if (has_data) items.push_back({false, std::move(data)});
  return items;
}

Json ChatBody(const std::string& model, const std::string& text) {
  return Json{{"model", model}, {"messages", Json::array({{{"role", "user"}, {"content", text}}})}};
}

HttpCall ChatCall(const FakeProcess& fake, const Json& body,
                  std::vector<std::string> extra_headers) {
  HttpCall call;
  call.method = "POST";
  call.url = fake.base_url() + "/chat/completions";
  call.body = body.dump();
  call.headers = std::move(extra_headers);
  call.headers.push_back("Authorization: Bearer " + fake.api_key());
  call.headers.push_back("Content-Type: application/json");
  return call;
}

Json ParseJson(std::string_view text) { return Json::parse(text, nullptr, false); }

Json LoadCatalogue() {
  std::ifstream in(std::string(FLOWHOST_SOURCE_DIR) +
                   "/tests/fake_openrouter/data/openrouter-models.json");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseJson(text.str());
}

}  // namespace flowhost::fake_openrouter
