//===- SpaceEvoDialect.h - the spaceevo dialect -----------------*- C++ -*-===//
#ifndef SPACEEVO_DIALECTS_SPACEEVODIALECT_H
#define SPACEEVO_DIALECTS_SPACEEVODIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/SpaceEvoDialect.h.inc"

#endif // SPACEEVO_DIALECTS_SPACEEVODIALECT_H
