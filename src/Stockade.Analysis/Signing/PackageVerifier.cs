using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Stockade.Linux.FileSystem;

namespace Stockade.Analysis.Signing;

/// <summary>Checks a plugin folder against its <c>stockade.sig</c> and a trust store.</summary>
public static class PackageVerifier
{
    /// <summary>
    /// Verifies the signature and then every file. The first problem found decides the status, in this order:
    /// unsigned, malformed signature file, untrusted key, bad signature, then files changed or removed (in path
    /// order) and finally files added. Bad input never throws; a missing folder is reported as unsigned.
    /// </summary>
    /// <param name="pluginDir">The plugin folder.</param>
    /// <param name="trustStore">Keys whose signatures are accepted.</param>
    public static SignatureVerification Verify(string pluginDir, ITrustStore trustStore)
    {
        ArgumentNullException.ThrowIfNull(pluginDir);
        ArgumentNullException.ThrowIfNull(trustStore);
        using var folder = PluginFolder.Open(pluginDir);
        return VerifyFolder(folder, trustStore);
    }

    /// <summary>Verifies a folder already walked; its files are read through its descriptors.</summary>
    internal static SignatureVerification VerifyFolder(PluginFolder folder, ITrustStore trustStore)
    {
        var pluginDir = folder.Root;
        if (!folder.Contains(SignatureDocument.FileName))
        {
            return new SignatureVerification(SignatureStatus.Unsigned, null, $"'{pluginDir}' has no {SignatureDocument.FileName}; sign it with 'stockade sign' or install it at a level that accepts unsigned plugins.");
        }

        var document = TryRead(folder, out var readProblem);
        if (document is null)
        {
            return new SignatureVerification(SignatureStatus.BadSignature, null, readProblem);
        }

        var keyId = document.KeyId;
        if (!trustStore.TryGetKey(keyId, out var publicKeyPem))
        {
            return new SignatureVerification(SignatureStatus.UntrustedKey, keyId, $"The plugin is signed with key {keyId}, which is not trusted; if you trust its author, run 'stockade trust add <their .pub.pem>'.");
        }

        using (var key = PackageSigner.TryImport(publicKeyPem, out var importProblem))
        {
            if (key is null || PackageSigner.KeyIdOf(key) != keyId)
            {
                var why = key is null ? importProblem : "its id does not match";
                return new SignatureVerification(SignatureStatus.BadSignature, keyId, $"The trusted key stored for id {keyId} cannot check this signature ({why}); re-add the key with 'stockade trust add'.");
            }

            if (!TryVerify(key, document))
            {
                return new SignatureVerification(SignatureStatus.BadSignature, keyId, $"The signature in {SignatureDocument.FileName} does not match its file list for key {keyId}: the signature file was altered or made with another key. Get the package again from its author.");
            }
        }

        if (CanonicalFileList.HashText(document.FileList) != document.FileListSha256)
        {
            return new SignatureVerification(SignatureStatus.BadSignature, keyId, $"The file list hash in {SignatureDocument.FileName} does not match its file list; the signature file was altered.");
        }

        var signed = CanonicalFileList.Parse(document.FileList);
        if (signed is null)
        {
            return new SignatureVerification(SignatureStatus.BadSignature, keyId, $"The file list in {SignatureDocument.FileName} is malformed; sign the plugin again.");
        }

        return CompareFiles(folder, keyId, signed);
    }

    private static SignatureVerification CompareFiles(PluginFolder folder, string keyId, Dictionary<string, string> signed)
    {
        var current = CanonicalFileList.Compute(folder);
        foreach (var (path, hash) in signed.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!current.TryGetValue(path, out var actual))
            {
                return new SignatureVerification(SignatureStatus.FileRemoved, keyId, $"The signed file '{path}' is missing; the package is incomplete. Get it again from its author.");
            }

            if (actual != hash)
            {
                return new SignatureVerification(SignatureStatus.FileChanged, keyId, $"The file '{path}' changed after signing; the package was modified. Get it again from its author, or re-sign it if you changed it yourself.");
            }
        }

        var added = current.Keys.FirstOrDefault(path => !signed.ContainsKey(path));
        return added is null
            ? new SignatureVerification(SignatureStatus.Valid, keyId, null)
            : new SignatureVerification(SignatureStatus.FileAdded, keyId, $"The file '{added}' was not signed; remove it, or re-sign the package if you added it yourself.");
    }

    private static bool TryVerify(ECDsa key, SignatureDocument document)
    {
        Span<byte> signature = stackalloc byte[128];
        return Convert.TryFromBase64String(document.Signature, signature, out var length)
            && key.VerifyData(Encoding.UTF8.GetBytes(document.FileList), signature[..length], HashAlgorithmName.SHA256);
    }

    private static SignatureDocument? TryRead(PluginFolder folder, out string problem)
    {
        SignatureDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(folder.ReadAllBytes(SignatureDocument.FileName), SigningJsonContext.Default.SignatureDocument);
        }
        catch (Exception ex) when (ex is not PluginFolderRefusedException && ex is JsonException or NotSupportedException or IOException or UnauthorizedAccessException)
        {
            problem = $"{SignatureDocument.FileName} cannot be read ({ex.Message}); sign the plugin again.";
            return null;
        }

        if (document is null || document.Version != SignatureDocument.CurrentVersion || document.Algorithm != SignatureDocument.Es256
            || document.KeyId is null || document.FileList is null || document.Signature is null || document.FileListSha256 is null)
        {
            problem = $"{SignatureDocument.FileName} is not a version {SignatureDocument.CurrentVersion} {SignatureDocument.Es256} signature; sign the plugin again with this version of Stockade.";
            return null;
        }

        problem = string.Empty;
        return document;
    }
}
