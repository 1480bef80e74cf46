"""The shared sidebar: the optional OpenAI-compatible endpoint for the narrative review."""

from __future__ import annotations

import streamlit as st

from . import state


def _clear_key() -> None:
    st.session_state[state.API_KEY] = ""


def settings_sidebar() -> None:
    """Endpoint, model and key widgets; their values stay in this session's st.session_state only."""
    with st.sidebar:
        st.subheader("大模型设置（可选）")
        st.caption("不填写时使用规则模式：表格勾稽、结构和规则校验全部可用。"
                   "填写兼容 OpenAI 接口的服务后，叙述部分可由大模型辅助审查。")
        st.text_input("接口地址（Base URL）", key=state.BASE_URL, placeholder="https://api.example.com/v1")
        st.text_input("模型名称", key=state.MODEL, placeholder="例如 qwen-plus")
        st.text_input("API Key", key=state.API_KEY, type="password",
                      help="密钥只保存在本次浏览器会话的内存中，不写入磁盘或日志；关闭页面即失效。")
        has_key = bool((st.session_state.get(state.API_KEY) or "").strip())
        if has_key:
            st.caption("已填写密钥（仅本会话有效）。")
            st.button("清除密钥", on_click=_clear_key)
        else:
            st.caption("当前：规则模式（未使用大模型）。")
