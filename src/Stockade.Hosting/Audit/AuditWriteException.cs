namespace Stockade.Hosting.Audit;

/// <summary>
/// The audit log could not write a record. Callers should fail closed: an action that cannot be audited
/// should not go ahead.
/// </summary>
public sealed class AuditWriteException : Exception
{
    /// <summary>Creates the exception with a message that says what to do next.</summary>
    /// <param name="message">Plain description of the failure and the next step.</param>
    public AuditWriteException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    /// <param name="message">Plain description of the failure and the next step.</param>
    /// <param name="innerException">The I/O or store error behind it.</param>
    public AuditWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public AuditWriteException()
        : base("The audit log could not be written.")
    {
    }
}
