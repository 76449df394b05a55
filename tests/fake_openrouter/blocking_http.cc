#include "tests/fake_openrouter/blocking_http.h"

#include <curl/curl.h>

#include <cctype>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace flowhost::fake_openrouter {
namespace {

bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<HttpResponse*>(user)->body.append(data, size * count);
  return size * count;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {
    response->headers.clear();  // a new response (after 100 Continue, say) starts
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    response->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * count;
}

}  // namespace

const std::string* HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (SameName(key, name)) return &value;
  }
  return nullptr;
}

BlockingHttp::BlockingHttp() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

BlockingHttp::~BlockingHttp() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse BlockingHttp::Send(const HttpCall& call) {
  CURL* curl = static_cast<CURL*>(curl_);
  HttpResponse response;
  if (curl == nullptr) {
    response.curl_code = CURLE_FAILED_INIT;
    response.error = "curl_easy_init failed";
    return response;
  }
  curl_slist* headers = nullptr;
  for (const std::string& header : call.headers)
    headers = curl_slist_append(headers, header.c_str());

  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, call.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!call.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, call.ca_file.c_str());
  if (!call.client_cert_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, call.client_cert_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, call.client_key_file.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  if (call.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    if (!call.body.empty() || call.method == "POST" || call.method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.c_str());
    }
  }
  CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_slist_free_all(headers);
  response.curl_code = static_cast<int>(code);
  if (code != CURLE_OK) response.error = curl_easy_strerror(code);
  return response;
}

absl::StatusOr<HttpResponse> BlockingHttp::SendOk(const HttpCall& call) {
  HttpResponse response = Send(call);
  if (!response.completed()) {
    return absl::UnavailableError(absl::StrCat(call.method, " ", call.url, " failed: curl error ",
                                               response.curl_code, " (", response.error, ")"));
  }
  if (response.status < 200 || response.status > 299) {
    return absl::FailedPreconditionError(absl::StrCat(call.method, " ", call.url, " answered ",
                                                      response.status, ": ", response.body));
  }
  return response;
}

}  // namespace flowhost::fake_openrouter
