// Context accessors.
#include "server/context.hpp"

namespace plik {

const std::string& Context::var(const std::string& name) const {
  static const std::string kEmpty;
  auto it = req.vars.find(name);
  return it == req.vars.end() ? kEmpty : it->second;
}

}  // namespace plik
