using System.Text.Json.Serialization;

namespace Stockade.Analysis.Signing;

/// <summary>The JSON content of <c>stockade.sig</c>.</summary>
internal sealed record SignatureDocument(
    int Version,
    string KeyId,
    string Algorithm,
    string FileListSha256,
    string FileList,
    string Signature)
{
    public const int CurrentVersion = 1;
    public const string Es256 = "ES256";
    public const string FileName = "stockade.sig";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(SignatureDocument))]
internal sealed partial class SigningJsonContext : JsonSerializerContext;
