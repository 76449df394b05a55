// docs/expressions.md documents every library function.
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "server/expr/functions.h"
#include "tests/source_dir.h"

namespace flowhost::expr {
namespace {

TEST(ExpressionDocs, EveryLibraryFunctionHasAnEntryInTheLanguageGuide) {
  std::ifstream file(std::string(FLOWHOST_SOURCE_DIR) + "/docs/expressions.md");
  ASSERT_TRUE(file.good()) << "docs/expressions.md is missing";
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string doc = buffer.str();
  for (std::string_view name : LibraryFunctionNames()) {
    // Each function has a table row that starts with its signature: "| `name(".
    EXPECT_NE(doc.find("| `" + std::string(name) + "("), std::string::npos)
        << name << " is not documented";
  }
}

}  // namespace
}  // namespace flowhost::expr
