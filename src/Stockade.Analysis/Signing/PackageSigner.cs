using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Stockade.Linux.FileSystem;

namespace Stockade.Analysis.Signing;

/// <summary>Creates ECDSA P-256 keys and signs plugin folders (writes <c>stockade.sig</c>).</summary>
public static class PackageSigner
{
    /// <summary>
    /// Generates a P-256 key pair and writes <c>&lt;outPrefix&gt;.key.pem</c> (PKCS#8, created with mode 0600 on Unix)
    /// and <c>&lt;outPrefix&gt;.pub.pem</c> (SubjectPublicKeyInfo).
    /// </summary>
    /// <param name="outPrefix">Path prefix of the two files, e.g. <c>keys/acme</c>; its folder must exist.</param>
    /// <returns>The key id and the paths written.</returns>
    /// <exception cref="IOException">One of the files already exists (keys are never overwritten) or cannot be written.</exception>
    public static GeneratedKey GenerateKey(string outPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outPrefix);
        var privatePath = outPrefix + ".key.pem";
        var publicPath = outPrefix + ".pub.pem";
        if (File.Exists(privatePath) || File.Exists(publicPath))
        {
            throw new IOException($"'{privatePath}' or '{publicPath}' already exists; choose another --out prefix or remove the old key first.");
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        WriteNew(privatePath, key.ExportPkcs8PrivateKeyPem(), privateFile: true);
        WriteNew(publicPath, key.ExportSubjectPublicKeyInfoPem(), privateFile: false);
        return new GeneratedKey(KeyIdOf(key), privatePath, publicPath);
    }

    /// <summary>Computes the key id of a public (or private) key in PEM.</summary>
    /// <param name="keyPem">A SubjectPublicKeyInfo or PKCS#8 PEM of a P-256 key.</param>
    /// <param name="keyId">The first 16 hex characters of the SHA-256 of the SubjectPublicKeyInfo DER.</param>
    /// <returns>False when the text is not a P-256 key in PEM.</returns>
    public static bool TryComputeKeyId(string keyPem, out string keyId)
    {
        keyId = string.Empty;
        using var key = TryImport(keyPem, out _);
        if (key is null)
        {
            return false;
        }

        keyId = KeyIdOf(key);
        return true;
    }

    /// <summary>
    /// Signs the plugin folder: writes <c>stockade.sig</c> at its root over the canonical file list (see
    /// <c>docs/analysis.md</c>), replacing an earlier signature.
    /// </summary>
    /// <param name="pluginDir">The plugin folder.</param>
    /// <param name="privateKeyPem">The signer's PKCS#8 private key PEM (as written by <see cref="GenerateKey"/>).</param>
    /// <returns>Success with the key id, or a problem saying what to fix; bad input never throws.</returns>
    public static SigningResult Sign(string pluginDir, string privateKeyPem)
    {
        ArgumentNullException.ThrowIfNull(pluginDir);
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        if (!Directory.Exists(pluginDir))
        {
            return new SigningResult(false, null, 0, $"The plugin folder '{pluginDir}' does not exist; check the path.");
        }

        using var key = TryImport(privateKeyPem, out var importProblem);
        if (key is null)
        {
            return new SigningResult(false, null, 0, importProblem);
        }

        var keyId = KeyIdOf(key);
        try
        {
            _ = key.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException)
        {
            return new SigningResult(false, keyId, 0, "The key is a public key; signing needs the private key (<prefix>.key.pem).");
        }

        SortedDictionary<string, string> entries;
        try
        {
            using var folder = PluginFolder.Open(pluginDir);
            entries = CanonicalFileList.Compute(folder);
        }
        catch (PluginFolderRefusedException ex)
        {
            return new SigningResult(false, keyId, 0, $"The plugin folder cannot be signed: {ex.Message}.") { FolderRefused = true };
        }

        var badName = entries.Keys.FirstOrDefault(p => p.Any(char.IsControl));
        if (badName is not null)
        {
            return new SigningResult(false, keyId, 0, $"The file name '{badName.ReplaceLineEndings(" ")}' contains a control character and cannot be signed; rename it.");
        }

        var fileList = CanonicalFileList.Serialize(entries);
        var signature = key.SignData(Encoding.UTF8.GetBytes(fileList), HashAlgorithmName.SHA256);
        var document = new SignatureDocument(
            SignatureDocument.CurrentVersion,
            keyId,
            SignatureDocument.Es256,
            CanonicalFileList.HashText(fileList),
            fileList,
            Convert.ToBase64String(signature));
        // Written beside and renamed over: a link planted at stockade.sig is replaced, never written through.
        var target = Path.Combine(pluginDir, SignatureDocument.FileName);
        var staging = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
        using (var writer = new StreamWriter(staging, new UTF8Encoding(false), new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write }))
        {
            writer.Write(JsonSerializer.Serialize(document, SigningJsonContext.Default.SignatureDocument));
        }

        File.Move(staging, target, overwrite: true);
        return new SigningResult(true, keyId, entries.Count, null);
    }

    internal static string KeyIdOf(ECDsa key) =>
        Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    internal static ECDsa? TryImport(string pem, out string problem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256 || key.ExportParameters(includePrivateParameters: false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                key.Dispose();
                problem = "The key is not a NIST P-256 key; generate one with 'stockade keygen'.";
                return null;
            }

            problem = string.Empty;
            return key;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            problem = $"The key is not a readable ECDSA PEM ({ex.Message}); pass the file written by 'stockade keygen'.";
            return null;
        }
    }

    private static void WriteNew(string path, string content, bool privateFile)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (privateFile && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, Encoding.ASCII, options);
        writer.Write(content);
        writer.Write('\n');
    }
}
