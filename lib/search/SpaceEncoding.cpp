//===- SpaceEncoding.cpp - `<hyperspace>-<blocks>-<windows>` ---------------===//

#include "spaceevo/search/SpaceEncoding.h"

namespace spaceevo::search {

std::string encodeSpace(const Space &space) {
  std::string text = space.hyperspace;
  text += '-';
  for (int block : space.blocks)
    text += static_cast<char>('0' + block);
  text += '-';
  for (int window : space.windows)
    text += static_cast<char>('0' + window);
  return text;
}

static Expected<std::vector<int>> parseDigits(std::string_view field, std::string_view what,
                                              std::string_view whole) {
  std::vector<int> digits;
  for (char c : field) {
    if (c < '0' || c > '9')
      return makeError("space '" + std::string(whole) + "': " + std::string(what) +
                       " field '" + std::string(field) + "' must be decimal digits, one per stage");
    digits.push_back(c - '0');
  }
  return digits;
}

Expected<Space> parseSpaceEncoding(std::string_view text) {
  size_t windowDash = text.rfind('-');
  if (windowDash == std::string_view::npos || windowDash == 0)
    return makeError("space '" + std::string(text) +
                     "' is not <hyperspace>-<block digits>-<window digits>");
  size_t blockDash = text.rfind('-', windowDash - 1);
  if (blockDash == std::string_view::npos || blockDash == 0)
    return makeError("space '" + std::string(text) +
                     "' is not <hyperspace>-<block digits>-<window digits>");
  std::string_view blockField = text.substr(blockDash + 1, windowDash - blockDash - 1);
  std::string_view windowField = text.substr(windowDash + 1);
  if (blockField.empty() || blockField.size() != windowField.size())
    return makeError("space '" + std::string(text) +
                     "': block and window fields must have one digit per stage each "
                     "(same non-zero length)");
  Space space;
  space.hyperspace = std::string(text.substr(0, blockDash));
  auto blocks = parseDigits(blockField, "block", text);
  if (!blocks) return std::move(blocks).takeError();
  auto windows = parseDigits(windowField, "window", text);
  if (!windows) return std::move(windows).takeError();
  space.blocks = std::move(*blocks);
  space.windows = std::move(*windows);
  return space;
}

} // namespace spaceevo::search
