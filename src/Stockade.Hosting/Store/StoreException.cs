namespace Stockade.Hosting.Store;

/// <summary>
/// <c>stockade.db</c> could not be opened, migrated or written. The message names the file and says what to
/// do next (e.g. choose another <c>--home</c>).
/// </summary>
public sealed class StoreException : Exception
{
    /// <summary>Creates the exception with a message that says what to do next.</summary>
    /// <param name="message">Plain description and next step.</param>
    public StoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying SQLite or I/O error.</summary>
    /// <param name="message">Plain description and next step.</param>
    /// <param name="innerException">The error behind it.</param>
    public StoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public StoreException()
        : base("The Stockade store could not be used.")
    {
    }

    /// <summary>
    /// True when <c>stockade.db</c> exists but is empty, damaged or not a Stockade database: an integrity failure
    /// (exit code 8 on the command line), never a new empty home. The message says how to recover.
    /// </summary>
    public bool IsIntegrityFailure { get; init; }
}
