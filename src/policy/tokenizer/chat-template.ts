/**
 * Qwen2-VL's chat format as a Jinja template (rendered by transformers / transformers.js
 * `apply_chat_template`): a default system turn when the conversation has none, then
 * `<|im_start|>role\n…<|im_end|>\n` per message; content is a string or a list of parts where an
 * image part becomes `<|vision_start|><|image_pad|><|vision_end|>` and a video part
 * `<|vision_start|><|video_pad|><|vision_end|>` (the processor later repeats the pad token once per
 * merged patch); `add_vision_id` prefixes "Picture n: " / "Video n: "; `add_generation_prompt`
 * opens the assistant turn.
 */
export const DEFAULT_SYSTEM_PROMPT = 'You are a helpful assistant.';

export const QWEN2VL_CHAT_TEMPLATE = [
  "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}",
  "{% for message in messages %}",
  "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\n" + DEFAULT_SYSTEM_PROMPT + "<|im_end|>\n{% endif %}",
  "<|im_start|>{{ message['role'] }}\n",
  "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n",
  "{% else %}{% for content in message['content'] %}",
  "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}",
  "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>",
  "{% elif content['type'] == 'video' or 'video' in content %}",
  "{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>",
  "{% elif 'text' in content %}{{ content['text'] }}{% endif %}",
  "{% endfor %}<|im_end|>\n{% endif %}",
  "{% endfor %}",
  "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
].join('');
