//===- TableFormat.cpp - SpaceEvo block-table fields ----------------------===//
#include "spaceevo/space/TableFormat.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace spaceevo {

namespace {

std::vector<std::string> split(const std::string &text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos)
      return parts;
    start = end + 1;
  }
}

std::optional<int64_t> parseInteger(const std::string &text) {
  if (text.empty() || text.size() > 18)
    return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9')
      return std::nullopt;
  return std::stoll(text);
}

std::optional<double> parseNumber(const std::string &text) {
  if (text.empty())
    return std::nullopt;
  char *end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

} // namespace

std::string TableFileId::fileName() const {
  return "stage" + std::to_string(stage) + "_" + std::to_string(block) + "_" +
         std::to_string(window) + ".csv";
}

std::optional<TableFileId> parseTableFileName(const std::string &name) {
  const std::string prefix = "stage", suffix = ".csv";
  if (name.size() <= prefix.size() + suffix.size() ||
      name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  std::vector<std::string> parts = split(
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()),
      '_');
  if (parts.size() != 3)
    return std::nullopt;
  auto stage = parseInteger(parts[0]), block = parseInteger(parts[1]),
       window = parseInteger(parts[2]);
  if (!stage || !block || !window)
    return std::nullopt;
  return TableFileId{*stage, *block, *window};
}

std::optional<std::vector<LayerConfig>>
parseLayersField(const std::string &field, BlockType block,
                 int64_t firstStride, std::string &error) {
  std::vector<LayerConfig> layers;
  for (const std::string &layerText : split(field, '_')) {
    std::vector<std::string> parts = split(layerText, '#');
    if (parts.size() != 3) {
      error = "layer '" + layerText + "' is not of the form kernel#width#expand";
      return std::nullopt;
    }
    auto kernel = parseInteger(parts[0]);
    auto width = parseInteger(parts[1]);
    if (!kernel || !width) {
      error = "layer '" + layerText + "' has a non-integer kernel or width";
      return std::nullopt;
    }
    LayerConfig layer;
    layer.block = block;
    layer.kernel = *kernel;
    layer.width = *width;
    layer.stride = layers.empty() ? firstStride : 1;
    if (parts[2] == "None") {
      layer.expand = 0;
    } else {
      auto expand = parseNumber(parts[2]);
      if (!expand || *expand <= 0) {
        error = "layer '" + layerText + "' has an invalid expansion ratio";
        return std::nullopt;
      }
      layer.expand = *expand;
    }
    layers.push_back(layer);
  }
  return layers;
}

std::string formatLayersField(const std::vector<LayerConfig> &layers) {
  std::string out;
  for (const LayerConfig &layer : layers) {
    if (!out.empty())
      out += "_";
    out += std::to_string(layer.kernel) + "#" + std::to_string(layer.width) + "#";
    if (!blockHasExpand(layer.block)) {
      out += "None";
      continue;
    }
    char buffer[32];
    bool resnetStyle = layer.block == BlockType::ResNet ||
                       layer.block == BlockType::ResNetSE;
    std::snprintf(buffer, sizeof(buffer), resnetStyle ? "%.1f" : "%g",
                  layer.expand);
    out += buffer;
  }
  return out;
}

std::optional<std::pair<int64_t, int64_t>>
parseInputShapeField(const std::string &field, std::string &error) {
  std::vector<std::string> parts = split(field, 'x');
  if (parts.size() != 4) {
    error = "input shape '" + field + "' is not of the form 1xCxHxW";
    return std::nullopt;
  }
  std::optional<int64_t> dims[4];
  for (int i = 0; i < 4; ++i)
    if (!(dims[i] = parseInteger(parts[i])) || *dims[i] <= 0) {
      error = "input shape '" + field + "' has a non-positive or non-integer dimension";
      return std::nullopt;
    }
  if (*dims[0] != 1 || *dims[2] != *dims[3]) {
    error = "input shape '" + field + "' must have batch 1 and H == W";
    return std::nullopt;
  }
  return std::make_pair(*dims[1], *dims[2]);
}

std::vector<std::string> splitCsvLine(const std::string &line) {
  std::string trimmed = line;
  while (!trimmed.empty() && (trimmed.back() == '\r' || trimmed.back() == '\n'))
    trimmed.pop_back();
  return split(trimmed, ',');
}

} // namespace spaceevo
