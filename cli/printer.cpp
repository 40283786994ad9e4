// SPDX-License-Identifier: GPL-2.0-only
#include "printer.hpp"

namespace svsmctl {

Printer::Printer(const Output &out, bool json_mode, std::string_view command, int label_width)
    : out_(out), json_mode_(json_mode), label_width_(label_width) {
  if (json_mode_) doc_ = json_header(command);
  path_.push_back(&doc_);
}

void Printer::field(std::string_view label, std::string_view key, std::string_view text, json value,
                    To to) {
  if (json_mode_) {
    if (to != To::text) current()[std::string(key)] = std::move(value);
  } else if (to != To::json) {
    line(label, text);
  }
}

void Printer::text(std::string_view text) {
  if (!json_mode_) text_ += text;
}

void Printer::text(std::string_view text, std::string_view key, json value) {
  if (json_mode_)
    current()[std::string(key)] = std::move(value);
  else
    text_ += text;
}

// Text output touches no JSON: building objects it never prints is a good
// part of what a text command would run (docs/benchmarks.md).
void Printer::begin(std::string_view key) {
  if (!json_mode_) return;
  json &child = current()[std::string(key)];  // an object already there is added to
  if (!child.is_object()) child = json::object();
  path_.push_back(&child);
}

void Printer::end() {
  if (path_.size() > 1) path_.pop_back();
}

void Printer::list(std::string_view key) {
  if (!json_mode_) return;
  json &items = current()[std::string(key)] = json::array();
  path_.push_back(&items);
}

void Printer::item() {
  if (!json_mode_) return;
  current().push_back(json::object());
  path_.push_back(&current().back());
}

void Printer::table(std::string_view key, std::string row_format,
                    const std::vector<std::string> &headers) {
  row_format_ = std::move(row_format);
  row_text_ = headers;
  end_row();
  if (!json_mode_) return;
  json &rows = current()[std::string(key)] = json::array();
  path_.push_back(&rows);
  row_json_ = json::object();
}

void Printer::cell(std::string_view key, std::string text, json value, To to) {
  if (to != To::json) row_text_.push_back(std::move(text));
  if (json_mode_ && to != To::text) row_json_[std::string(key)] = std::move(value);
}

void Printer::end_row() {
  if (!json_mode_ && !row_text_.empty()) {
    fmt::dynamic_format_arg_store<fmt::format_context> args;
    for (const auto &t : row_text_) args.push_back(t);
    text_ += fmt::vformat(row_format_, args);
  }
  row_text_.clear();
  if (!json_mode_) return;
  if (path_.back()->is_array() && !row_json_.empty()) current().push_back(std::move(row_json_));
  row_json_ = json::object();
}

void Printer::end_table() {
  end();
}

void Printer::line(std::string_view label, std::string_view text) {
  text_ += fmt::format("  {:<{}}{}\n", fmt::format("{}:", label), label_width_, text);
}

void Printer::emit(Output &out) const {
  if (json_mode_)
    out.document(doc_);
  else
    out.print("{}", text_);
}

void Printer::flush(Output &out) {
  if (json_mode_) return;
  out.print("{}", text_);
  text_.clear();
}

}  // namespace svsmctl
