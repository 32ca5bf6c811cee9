// Package backup writes and restores one consistent backup of clinic's data:
// the database and the file store, packed as one .tar.gz archive.
//
// An archive holds, in this order:
//
//	database.sqlite   SQLite: the database copied with VACUUM INTO
//	database.pgdump   PostgreSQL: pg_dump --format=custom of the database,
//	                  or of the one schema DATABASE_URL's search_path names
//	files/KEY         every object of the file store, under its key
//	manifest.json     engine, schema version, creation time, and the size
//	                  and SHA-256 of every entry above (Manifest)
//
// Writing streams: the database is dumped into a temporary file (its size
// goes in the tar header before its content), then every object is copied
// from the store into the archive as it is read. Nothing is held in memory
// but the manifest's list of entries. The manifest comes last because the
// objects' checksums are known only once they are copied.
//
// Consistency: the dump is one snapshot (VACUUM INTO reads in one
// transaction; pg_dump in one repeatable-read transaction). The files are
// listed and copied after it, so every file the dump refers to is in the
// archive unless it was deleted in between; files uploaded in between are
// in the archive without a row (harmless).
//
// Restoring reads the archive twice: first to check it (every checksum, the
// manifest, the engine, the schema version) without touching anything, then
// to restore. It restores only into an empty database and an empty file
// store, and only a backup whose schema version this binary knows (an older
// one is migrated up by the next start of the server). See Restore.
package backup
