namespace Stockade.Plugin;

/// <summary>
/// The input of a call does not fit the method's parameter (thrown by generated dispatch code); the host receives it as an
/// invalid-parameters error naming the method, not as a plugin fault.
/// </summary>
public sealed class PluginInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PluginInputException()
    {
    }

    /// <summary>Creates the exception with a message that names the method and the expected type.</summary>
    public PluginInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the serializer's error.</summary>
    public PluginInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
