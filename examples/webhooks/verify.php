<?php
// Verifying image-chat webhook deliveries in PHP (docs/webhooks.md#verifying). No dependencies.
// Put this behind the URL you registered; set WEBHOOK_SECRET to the endpoint's signing secret (whsec_…),
// or two secrets separated by a comma while you switch after a rotation.

const TOLERANCE_SECONDS = 300;

function image_chat_verify(string $rawBody, ?string $timestamp, ?string $signatureHeader, array $secrets): bool {
    if ($timestamp === null || !ctype_digit($timestamp) || abs(time() - (int) $timestamp) > TOLERANCE_SECONDS) {
        return false;
    }
    $given = array_map('trim', explode(',', $signatureHeader ?? ''));
    foreach ($secrets as $secret) {
        $expected = 'sha256=' . hash_hmac('sha256', $timestamp . '.' . $rawBody, $secret);
        foreach ($given as $value) {
            if (hash_equals($expected, $value)) {
                return true;
            }
        }
    }
    return false;
}

$raw = file_get_contents('php://input');  // the raw bytes: verify before json_decode
$secrets = array_filter(explode(',', getenv('WEBHOOK_SECRET') ?: ''));
if (!image_chat_verify($raw, $_SERVER['HTTP_X_IMAGECHAT_TIMESTAMP'] ?? null, $_SERVER['HTTP_X_IMAGECHAT_SIGNATURE'] ?? null, $secrets)) {
    http_response_code(401);
    exit('bad signature');
}
$event = json_decode($raw, true);
http_response_code(204);
// At least once: keep the ids you handled (a table with a unique key) and skip an id seen before.
error_log(sprintf('%s %s seq %d', $event['type'], $event['urlId'], $event['seq']));
