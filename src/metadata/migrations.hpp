// The versioned schema of the metadata database, tracked in our own `schema_migrations` table
// (not Plik's GORM `migrations` table: a plik-in-C++ database is not a Plik database).
#pragma once

#include <string_view>
#include <vector>

#include "core/result.hpp"

struct sqlite3;

namespace plik {

struct Migration {
  int version;            // strictly increasing, starting at 1
  std::string_view name;  // recorded in schema_migrations.name
  std::string_view sql;   // one or more statements, run inside the migration transaction
};

// SQLite schema steps, oldest first. Never edit an entry once released: append a new one.
const std::vector<Migration>& sqliteMigrations();

// Brings `db` to the latest version. Runs under BEGIN IMMEDIATE (the database write lock) and
// re-reads schema_migrations after taking it, so two processes starting at once apply each step
// exactly once; the loser waits (busy_timeout) and then finds nothing to do. All missing steps are
// applied in one transaction: on any error nothing is applied. A database newer than this binary
// (unknown version recorded) is an error.
Status applySqliteMigrations(sqlite3* db);

}  // namespace plik
