// SPDX-License-Identifier: GPL-2.0-only
// One printer for text and JSON, the way iproute2's print_*() calls serve
// both: a command walks its result once, giving each value with its words for
// people and its JSON form, and the printer keeps the half its output needs.
#pragma once

#include <fmt/args.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

#include "output.hpp"
#include "svsm/platform.hpp"

namespace svsmctl {

// Which output a call feeds (iproute2's PRINT_ANY, PRINT_FP, PRINT_JSON).
enum class To { both, text, json };

// For facts whose JSON value is the value itself.
inline constexpr auto as_is = [](const auto &v) { return nlohmann::ordered_json(v); };

class Printer {
 public:
  using json = nlohmann::ordered_json;

  // @label_width: the width of the "Label:" column of text lines.
  Printer(const Output &out, bool json_mode, std::string_view command, int label_width = 14);
  Printer(const Printer &) = delete;  // path_ points into doc_
  Printer &operator=(const Printer &) = delete;

  [[nodiscard]] bool json_mode() const { return json_mode_; }
  [[nodiscard]] std::string tone(std::string_view text, Tone t) const { return out_.tone(text, t); }

  // "  Label:        text" in text, key: value in JSON.
  void field(std::string_view label, std::string_view key, std::string_view text, json value,
             To to = To::both);
  // The same with the JSON value made by @make_value, called in JSON mode
  // only: text output builds no JSON.
  template <std::invocable MakeValue>
  void field(std::string_view label, std::string_view key, std::string_view text,
             MakeValue &&make_value, To to = To::both) {
    if (json_mode_)
      field(label, key, text, json(make_value()), to);
    else if (to != To::json)
      line(label, text);
  }
  // Text as it is (headlines, table rows); nothing in JSON.
  void text(std::string_view text);
  // Text as it is, and key: value in JSON (iproute2's print_*(PRINT_ANY)).
  void text(std::string_view text, std::string_view key, json value);
  // JSON objects nest (an existing one is added to); the text is unaffected.
  void begin(std::string_view key);
  void end();
  // A JSON array of objects at @key, one per item(); end() closes an item
  // and then the list. The text is unaffected.
  void list(std::string_view key);
  void item();

  // A table: a text row per item, formatted with @row_format (one {} per text
  // cell), under a header row; a JSON array of objects at @key.
  void table(std::string_view key, std::string row_format, const std::vector<std::string> &headers);
  // A cell of the current row: text for the table, value for the item's object.
  void cell(std::string_view key, std::string text, json value, To to = To::both);
  void end_row();
  void end_table();

  // A fact with its provenance: "text (source; note)", "unknown (why)" or
  // "n/a (why)" in text; {"value", "source", "unknown"/"not_applicable",
  // "note"} in JSON. Only the formatter the output needs is called.
  template <typename T, typename TextFn, typename JsonFn>
  void fact(std::string_view label, std::string_view key, const svsm::Fact<T> &f, TextFn to_text,
            JsonFn to_json, To to = To::both) {
    if (json_mode_) {
      if (to == To::text) return;
      json j = {{"value", f.known() ? json(to_json(*f.value)) : json(nullptr)},
                {"source", svsm::source_name(f.source)}};
      if (!f.applies)
        j["not_applicable"] = f.unknown;
      else if (!f.known())
        j["unknown"] = f.unknown;
      if (!f.note.empty()) j["note"] = f.note;
      current()[std::string(key)] = std::move(j);
      return;
    }
    if (to == To::json) return;
    if (!f.applies)
      line(label, tone("n/a (" + f.unknown + ")", Tone::dim));
    else if (f.known())
      line(label, to_text(*f.value) + " " + tone(provenance(f), Tone::dim));
    else
      line(label, tone("unknown", Tone::warn) + (f.unknown.empty() ? "" : " (" + f.unknown + ")"));
  }
  // A fact in JSON only.
  template <typename T, typename JsonFn = decltype(as_is)>
  void json_fact(std::string_view key, const svsm::Fact<T> &f, JsonFn to_json = as_is) {
    fact(
        {}, key, f, [](const T &) { return std::string(); }, to_json, To::json);
  }

  // The text, or the JSON document (with its header).
  [[nodiscard]] const std::string &str() const { return text_; }
  [[nodiscard]] const json &doc() const { return doc_; }
  // Writes the result to @out.
  void emit(Output &out) const;
  // Writes the text so far to @out (not in JSON mode), so that what a
  // command did before it fails is still shown; str() keeps only the rest.
  void flush(Output &out);

 private:
  template <typename T>
  static std::string provenance(const svsm::Fact<T> &f) {
    std::string s = fmt::format("({}", svsm::source_name(f.source));
    if (!f.note.empty()) s += "; " + f.note;
    return s + ")";
  }
  void line(std::string_view label, std::string_view text);
  json &current() { return *path_.back(); }

  std::string row_format_;
  std::vector<std::string> row_text_;
  json row_json_;

  const Output &out_;
  bool json_mode_;
  int label_width_;
  std::string text_;
  json doc_;
  std::vector<json *> path_;
};

}  // namespace svsmctl
