using System.Globalization;
using Microsoft.Data.Sqlite;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;

namespace Stockade.Hosting.Store;

/// <summary>
/// The SQLite database <c>stockade.db</c> in a Stockade home: installed plugins, grants, trusted keys, the
/// audit head, the per-plugin key-value store and configuration. WAL mode with a busy timeout, so the CLI
/// and a running host can use one home at once; every method is safe to call from any thread.
/// </summary>
/// <remarks>
/// Bad arguments from code are exceptions; a plugin or key that does not exist is a null / false result.
/// A home that cannot be written (read-only, full, not a folder) raises <see cref="StoreException"/> with a
/// message that says what to do next.
/// </remarks>
internal sealed partial class StockadeStore : IAuditHeadStore, IDisposable
{
    /// <summary>The database file name inside the home folder.</summary>
    public const string FileName = "stockade.db";

    /// <summary>How long a call waits for another process holding the write lock. 5 s.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private int _disposed;

    /// <summary>Opens <c>stockade.db</c> in <paramref name="homeDirectory"/>, creating the folder and the schema when needed.</summary>
    /// <param name="homeDirectory">The Stockade home (<c>--home</c>, <c>STOCKADE_HOME</c>, <c>~/.stockade</c>).</param>
    /// <param name="time">Clock for <c>updated_at</c> columns; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="StoreException">The home cannot be created or written, or the database is damaged or newer than this Stockade.</exception>
    public StockadeStore(string homeDirectory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(homeDirectory);
        HomeDirectory = Path.GetFullPath(homeDirectory);
        DatabasePath = Path.Combine(HomeDirectory, FileName);
        _time = time ?? TimeProvider.System;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();

        try
        {
            Directory.CreateDirectory(HomeDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"cannot create the Stockade home {HomeDirectory}: {ex.Message} — choose another --home", ex);
        }

        RefuseEmptyDatabase();
        Execute(Migrate);
        RestrictToOwner();
    }

    /// <summary>The home folder (absolute).</summary>
    public string HomeDirectory { get; }

    /// <summary>The database file (absolute).</summary>
    public string DatabasePath { get; }

    /// <summary>The schema version this build creates and understands.</summary>
    public static int SchemaVersion => StoreMigrations.All.Count;

    /// <summary>Releases pooled connections to the database file.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }
    }

    /// <inheritdoc/>
    public AuditHead? Read() => Execute(connection =>
    {
        using var command = Command(connection, null, "SELECT seq, hash FROM audit_head WHERE id = 1");
        using var reader = command.ExecuteReader();
        return reader.Read() ? new AuditHead(reader.GetInt64(0), reader.GetString(1)) : null;
    });

    /// <inheritdoc/>
    public void Write(AuditHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        Write((connection, transaction) =>
        {
            // Only ever forward: a late writer must not move the head back over records another wrote.
            using var command = Command(
                connection,
                transaction,
                """
                INSERT INTO audit_head(id, seq, hash, updated_at) VALUES (1, $seq, $hash, $now)
                ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at
                WHERE excluded.seq >= audit_head.seq
                """,
                ("$seq", head.Seq),
                ("$hash", head.Hash),
                ("$now", Now()));
            return command.ExecuteNonQuery();
        });
    }

    /// <summary>
    /// Only a missing file is a new home. A zero-length <c>stockade.db</c> (truncated by a full disk, a bad copy or by hand)
    /// would otherwise be taken by SQLite as a new empty database: every grant, trusted key and the audit head gone
    /// without a word. It is an integrity failure with the recovery steps instead.
    /// </summary>
    private void RefuseEmptyDatabase()
    {
        FileInfo file;
        try
        {
            file = new FileInfo(DatabasePath);
            if (!file.Exists)
            {
                return;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return; // opening reports what is wrong
        }

        if (file.Length == 0)
        {
            throw Damaged("is empty (0 bytes)", null);
        }
    }

    private StoreException Damaged(string what, Exception? inner)
    {
        var message = $"{DatabasePath} {what}: the store of installed plugins, grants, trusted keys and the audit head is damaged, "
            + "so Stockade will not start over with an empty home — restore stockade.db from a backup (with its -wal file if there is one), "
            + $"or move it aside (mv {DatabasePath} {DatabasePath}.damaged) to start a new, empty home and reinstall the plugins; "
            + "run `stockade audit verify` afterwards";
        return inner is null ? new StoreException(message) { IsIntegrityFailure = true } : new StoreException(message, inner) { IsIntegrityFailure = true };
    }

    // Grants, trusted keys and the audit head are the host's alone; SQLite gives -wal and -shm the database's mode.
    private void RestrictToOwner()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if (File.GetUnixFileMode(DatabasePath) != OwnerReadWrite)
            {
                File.SetUnixFileMode(DatabasePath, OwnerReadWrite);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Another user's home opened for reading: its owner's modes stand.
        }
    }

    private static void Migrate(SqliteConnection connection)
    {
        using (var wal = Command(connection, null, "PRAGMA journal_mode = WAL"))
        {
            wal.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        int version;
        using (var read = Command(connection, transaction, "PRAGMA user_version"))
        {
            version = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        if (version > StoreMigrations.All.Count)
        {
            var writer = SchemaWriter(connection, transaction);
            var by = writer is null ? "" : $" (written by Stockade {writer})";
            var to = writer is null ? "the Stockade version that wrote it" : writer;
            throw new StoreException(
                $"{connection.DataSource} has schema version {version}{by}, newer than this Stockade {StockadeRelease.Version} understands ({StoreMigrations.All.Count}) — upgrade stockade (the tool: dotnet tool update -g Stockade.Cli; an app: its Stockade.Hosting package) to {to} or later, or choose another --home");
        }

        for (var next = version; next < StoreMigrations.All.Count; next++)
        {
            using var migrate = Command(connection, transaction, StoreMigrations.All[next]);
            migrate.ExecuteNonQuery();
            using var bump = Command(connection, transaction, $"PRAGMA user_version = {next + 1}");
            bump.ExecuteNonQuery();
        }

        if (version < StoreMigrations.All.Count)
        {
            using var stamp = Command(connection, transaction, "INSERT INTO stockade_info(key, value) VALUES ('schema_written_by', $version) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("$version", StockadeRelease.Version));
            stamp.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>The Stockade version that brought a (newer) schema to its number, when the home records it.</summary>
    private static string? SchemaWriter(SqliteConnection connection, SqliteTransaction transaction)
    {
        try
        {
            using var read = Command(connection, transaction, "SELECT value FROM stockade_info WHERE key = 'schema_written_by'");
            // Shown in a message: a version's characters only, never the file's text as it is.
            return read.ExecuteScalar() is string text && text.Length <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+') ? text : null;
        }
        catch (SqliteException)
        {
            return null; // written before the version was recorded
        }
    }

    private string Now() => FormatTime(_time.GetUtcNow());

    private static string FormatTime(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private SqliteConnection Open()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // synchronous=NORMAL is the WAL setting SQLite recommends: a commit survives a crash of the process;
        // only a power cut may lose the last commits, and the database is never corrupted.
        using var pragmas = Command(connection, null, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL");
        pragmas.ExecuteNonQuery();
        return connection;
    }

    private void Execute(Action<SqliteConnection> action) => Execute(connection =>
    {
        action(connection);
        return 0;
    });

    private T Execute<T>(Func<SqliteConnection, T> action)
    {
        try
        {
            using var connection = Open();
            return action(connection);
        }
        catch (SqliteException ex)
        {
            throw Translate(ex);
        }
    }

    // Every write runs in one IMMEDIATE transaction: it takes the write lock up front (waiting up to the
    // busy timeout) instead of failing when a read transaction tries to upgrade.
    private T Write<T>(Func<SqliteConnection, SqliteTransaction, T> action) => Execute(connection =>
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var result = action(connection, transaction);
        if (transaction.Connection is not null)
        {
            transaction.Commit(); // an action that rolled back (quota) has already completed it
        }

        return result;
    });

    private StoreException Translate(SqliteException ex)
    {
        var home = HomeDirectory;
        return ex.SqliteErrorCode switch
        {
            8 => new StoreException($"cannot write {FileName} in {home}: {WriteProbe()} — choose another --home", ex),
            14 => new StoreException($"cannot open {FileName} in {home}: {WriteProbe()} — choose another --home or fix the folder's permissions", ex),
            13 => new StoreException($"cannot write {FileName} in {home}: the disk is full — free space or choose another --home", ex),
            10 => new StoreException($"cannot write {FileName} in {home}: I/O error ({ex.Message}) — check the disk, or choose another --home", ex),
            5 or 6 => new StoreException($"{FileName} in {home} stayed locked by another stockade process for more than {BusyTimeout.TotalSeconds:0} s — retry when it is done", ex),
            11 or 26 => Damaged("is damaged or not a Stockade database", ex),
            _ => new StoreException($"{FileName} in {home}: {ex.Message}", ex),
        };
    }

    // SQLite only says "readonly" or "unable to open"; the file system says why.
    private string WriteProbe()
    {
        var probe = Path.Combine(HomeDirectory, $".write-probe-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return "the database file or its -wal/-shm companions are not writable";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message.TrimEnd('.').Replace(" : '" + probe + "'", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        }
    }
}
