//===- Errors.h - Errors as values for the cost library ---------*- C++ -*-===//
//
// lib/cost never throws, aborts or exits. It shares the search engine's
// header-only Expected<T> / Status so callers handle both libraries alike.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_COST_ERRORS_H
#define SPACEEVO_COST_ERRORS_H

#include "spaceevo/search/Expected.h"

namespace spaceevo::cost {

using search::Error;
using search::Expected;
using search::makeError;
using search::Status;

} // namespace spaceevo::cost

#endif // SPACEEVO_COST_ERRORS_H
