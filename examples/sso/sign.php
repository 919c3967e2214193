<?php
/**
 * Signs one of your site's users in to image-chat (Secure SSO, FastComments-compatible), in plain PHP 7.3+
 * (hash_hmac, base64_encode, json_encode). Run it on your server, never in the browser: it needs the tenant's
 * API secret. Not run by the test suite (no PHP there); the Node and Python signers beside it are.
 *
 *   IMAGE_CHAT_API_SECRET=ics_… php examples/sso/sign.php '{"id":"42","displayName":"Ann"}'
 *
 * prints the payload to give the widget's `sso` attribute or property (docs/sso.md). In a page:
 *
 *   require 'sign.php';
 *   $sso = image_chat_sign_sso_user(['id' => (string) $user->id, 'displayName' => $user->name], getenv('IMAGE_CHAT_API_SECRET'));
 *   echo '<image-chat tenant-id="acme" src="/plan.jpg" sso="' . htmlspecialchars(json_encode($sso), ENT_QUOTES) . '"></image-chat>';
 */

/**
 * The three fields the widget passes on in `hello`: standard base64 of the user's UTF-8 JSON, the time in
 * milliseconds, and the hex HMAC-SHA256 of timestamp . userDataJSONBase64 keyed with the API secret.
 *
 * @param array $user ['id' => …, 'displayName' => …, 'avatar' => …, 'isModerator' => …]
 * @param int|null $nowMs milliseconds since the epoch; the payload is valid for 2 days from then
 */
function image_chat_sign_sso_user(array $user, string $apiSecret, ?int $nowMs = null): array
{
    $timestamp = $nowMs ?? (int) floor(microtime(true) * 1000);
    // An associative array encodes as a JSON object; UTF-8 text stays as it is.
    $userDataJSONBase64 = base64_encode(json_encode($user, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR));
    $verificationHash = hash_hmac('sha256', (string) $timestamp . $userDataJSONBase64, $apiSecret);
    return ['userDataJSONBase64' => $userDataJSONBase64, 'verificationHash' => $verificationHash, 'timestamp' => $timestamp];
}

if (PHP_SAPI === 'cli' && isset($argv[0]) && realpath($argv[0]) === __FILE__) {
    // From the environment by default: other users of the machine can read a process's arguments.
    $apiSecret = $argv[2] ?? getenv('IMAGE_CHAT_API_SECRET');
    if (!isset($argv[1]) || !$apiSecret) {
        fwrite(STDERR, "usage: IMAGE_CHAT_API_SECRET=ics_… php sign.php '{\"id\":\"42\",\"displayName\":\"Ann\"}' (or the secret as second argument)\n");
        exit(2);
    }
    echo json_encode(image_chat_sign_sso_user(json_decode($argv[1], true, 512, JSON_THROW_ON_ERROR), $apiSecret)), "\n";
}
